using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>
/// transformers `Qwen3RMSNorm`: `weight * (x32 * rsqrt(mean(x32²) + eps)).to(input_dtype)`, x32 = x.float().
/// The cast back happens *before* the weight multiply (in bf16 this rounds twice). The weight is used as is (no 1 + w).
/// In float64 compute the inside stays float64 (the golden float64 reference is float64 throughout).
/// </summary>
public sealed class Qwen3RMSNorm : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Parameter weight;
#pragma warning restore IDE1006
    private readonly double _eps;

    /// <summary>Takes ownership of `weight` [dim].</summary>
    public Qwen3RMSNorm(Tensor weight, double eps) : base(nameof(Qwen3RMSNorm))
    {
        this.weight = new Parameter(weight);
        weight.Dispose();                      // the parameter holds the storage; this handle would keep it alive until a finalizer ran
        _eps = eps;
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public override Tensor forward(Tensor x)
    {
        var inputDtype = x.dtype;
        var inner = inputDtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var h = x.to(inner);
        var variance = h.pow(2).mean([-1], keepdim: true);
        h = h * torch.rsqrt(variance + _eps);
        return weight * h.to(inputDtype);
    }
}
