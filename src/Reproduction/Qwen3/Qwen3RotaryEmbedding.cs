using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>
/// transformers `Qwen3RotaryEmbedding` (default rope type): `inv_freq = 1 / theta ** (arange(0, d, 2).float() / d)`
/// computed in float32; `freqs = inv_freq ⊗ positions` in float32 (autocast off); `emb = cat(freqs, freqs)`;
/// cos/sin in float32, then cast to the activation dtype. For float64 compute the tables are float64 throughout
/// (the golden float64 reference). Half-split (NeoX) layout: dimension i pairs with i + d/2.
/// Not an nn.Module: it has no parameters and its buffer is non-persistent (absent from checkpoints).
/// </summary>
public sealed class Qwen3RotaryEmbedding : IDisposable
{
    private readonly Tensor _invFreq32;
    private readonly Tensor _invFreq64;

    public long HeadDim { get; }
    public double Theta { get; }

    public Qwen3RotaryEmbedding(long headDim, double theta)
    {
        if (headDim % 2 != 0) throw new ArgumentException($"head_dim must be even for RoPE, got {headDim}", nameof(headDim));
        HeadDim = headDim;
        Theta = theta;
        _invFreq32 = InvFreq(headDim, theta, ScalarType.Float32).DetachFromDisposeScope();
        _invFreq64 = InvFreq(headDim, theta, ScalarType.Float64).DetachFromDisposeScope();
    }

    /// <summary>`inv_freq` [head_dim/2], computed in `dtype` (float32 as HF does, or float64).</summary>
    public static Tensor InvFreq(long headDim, double theta, ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        var exps = torch.arange(0, headDim, 2, dtype: ScalarType.Int64).to(dtype) / headDim;
        // HF: base ** exps (a python float base, so the pow runs in the tensor's dtype), then 1.0 / that.
        var pow = torch.full_like(exps, theta).pow(exps);
        return pow.reciprocal().MoveToOuterDisposeScope();
    }

    /// <summary>The inv_freq table used for a given compute dtype (float64 only for float64 compute).</summary>
    public Tensor InvFreqFor(ScalarType computeDtype) => computeDtype == ScalarType.Float64 ? _invFreq64 : _invFreq32;

    /// <summary>cos, sin [B, T, head_dim] for position ids [B, T], cast to `dtype`.</summary>
    public (Tensor Cos, Tensor Sin) Forward(Tensor positionIds, ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        var table = InvFreqFor(dtype);
        var inv = table.to(positionIds.device);
        var pos = positionIds.to(table.dtype).unsqueeze(-1);          // [B, T, 1]
        var freqs = pos * inv;                                         // [B, T, d/2]: one product per entry, like HF's k=1 matmul
        var emb = torch.cat([freqs, freqs], -1);                       // [B, T, d]
        var cos = emb.cos().to(dtype);
        var sin = emb.sin().to(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>`rotate_half(x) = cat(-x[..., d/2:], x[..., :d/2])`.</summary>
    public static Tensor RotateHalf(Tensor x)
    {
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        return torch.cat([-x2, x1], -1);
    }

    /// <summary>`apply_rotary_pos_emb`: x [B, H, T, d], cos/sin [B, T, d] (unsqueezed on the head axis): `x*cos + rotate_half(x)*sin`.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        var c = cos.unsqueeze(1);
        var s = sin.unsqueeze(1);
        return x * c + RotateHalf(x) * s;
    }

    public void Dispose()
    {
        _invFreq32.Dispose();
        _invFreq64.Dispose();
    }
}
