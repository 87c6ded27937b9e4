using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>`nn.Embedding(vocab, hidden)` built from a loaded weight: a row lookup, no scaling (Qwen3 does not scale embeddings).</summary>
public sealed class Qwen3Embedding : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Parameter weight;
#pragma warning restore IDE1006

    public Qwen3Embedding(Tensor weight) : base(nameof(Qwen3Embedding))
    {
        this.weight = new Parameter(weight);
        weight.Dispose();                      // the parameter holds the storage; this handle would keep it alive until a finalizer ran
        RegisterComponents();
    }

    public Parameter Weight => weight;

    /// <summary>ids [B, T] (int64) to [B, T, hidden].</summary>
    public override Tensor forward(Tensor ids)
    {
        var shape = ids.shape.Append(weight.shape[1]).ToArray();
        return weight.index_select(0, ids.reshape(-1)).view(shape);
    }
}
