using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>A bias-free linear layer (`nn.Linear(bias=False)`, weight [out, in]) built from a loaded weight, so no random init is paid for.</summary>
public sealed class Qwen3Linear : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // state_dict key: HF's name
    private readonly Parameter weight;
#pragma warning restore IDE1006

    /// <summary>Takes ownership of `weight` [out, in].</summary>
    public Qwen3Linear(Tensor weight) : base(nameof(Qwen3Linear))
    {
        this.weight = new Parameter(weight);
        weight.Dispose();                      // the parameter holds the storage; this handle would keep it alive until a finalizer ran
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public override Tensor forward(Tensor x) => nn.functional.linear(x, weight);
}
