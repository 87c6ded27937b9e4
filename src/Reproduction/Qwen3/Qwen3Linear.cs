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

    public override Tensor forward(Tensor x) => Apply(x, weight);

    /// <summary>
    /// `x · Wᵀ` for x [..., in] and W [out, in]: `F.linear`, except for a single bfloat16 row (a decoding step at batch 1),
    /// which goes to libtorch's gemv (`torch.mv`). Both accumulate in float32 and round once; on a CPU with bf16 matmul
    /// support `F.linear` takes oneDNN's matmul, which streams a bf16 weight for one row more slowly than the gemv
    /// kernel does (docs/performance.md, decoding at the exact shape).
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor w)
    {
        long inFeatures = w.shape[1];
        if (x.dtype != ScalarType.BFloat16 || x.numel() != inFeatures) return nn.functional.linear(x, w);
        var shape = x.shape.ToArray();
        shape[^1] = w.shape[0];
        return torch.mv(w, x.reshape(inFeatures)).reshape(shape);
    }
}
