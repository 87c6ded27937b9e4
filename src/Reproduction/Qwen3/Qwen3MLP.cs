using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>transformers `Qwen3MLP` (GemmaMLP): `down_proj(silu(gate_proj(x)) * up_proj(x))`, no biases.</summary>
public sealed class Qwen3MLP : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "gate_proj")] private readonly Qwen3Linear _gateProj;
    [ComponentName(Name = "up_proj")] private readonly Qwen3Linear _upProj;
    [ComponentName(Name = "down_proj")] private readonly Qwen3Linear _downProj;

    public Qwen3MLP(Func<string, Tensor> weights) : base(nameof(Qwen3MLP))
    {
        _gateProj = new Qwen3Linear(weights("gate_proj.weight"));
        _upProj = new Qwen3Linear(weights("up_proj.weight"));
        _downProj = new Qwen3Linear(weights("down_proj.weight"));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        _downProj.forward(nn.functional.silu(_gateProj.forward(x)) * _upProj.forward(x));
}
