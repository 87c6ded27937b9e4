using BenchmarkDotNet.Attributes;
using Reproduction.Qwen3;
using Reproduction.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Microbench;

/// <summary>
/// The model's small kernels at Qwen3-0.6B's sizes (hidden 1024, 16/8 heads of 128), one decoder step's worth of
/// tokens (B × T = 8 × 64) in float32 and bfloat16: RMSNorm, RoPE, eager attention (QKᵀ, mask, float32 softmax, AV) vs
/// SDPA, and top-p over the 151,936-token vocabulary. What `repro bench` measures at model level, cut to the kernel.
/// </summary>
[MemoryDiagnoser]
public class Kernels
{
    [Params(ScalarType.Float32, ScalarType.BFloat16)] public ScalarType Dtype { get; set; }

    private const long B = 8, T = 64, Hidden = 1024, Heads = 16, KvHeads = 8, HeadDim = 128, Vocab = 151936;
    private Qwen3RMSNorm _norm = null!;
    private Tensor _x = null!, _q = null!, _k = null!, _v = null!, _cos = null!, _sin = null!, _mask = null!, _logits = null!;
    private Qwen3RotaryEmbedding _rope = null!;

    [GlobalSetup]
    public void Setup()
    {
        torch.manual_seed(0);
        _norm = new Qwen3RMSNorm(torch.ones(Hidden, dtype: Dtype), 1e-6);
        _x = torch.randn(B, T, Hidden).to(Dtype);
        _q = torch.randn(B, Heads, T, HeadDim).to(Dtype);
        _k = torch.randn(B, Heads, T, HeadDim).to(Dtype);
        _v = torch.randn(B, Heads, T, HeadDim).to(Dtype);
        _rope = new Qwen3RotaryEmbedding(HeadDim, 1e6);
        (_cos, _sin) = _rope.Forward(AttentionMasks.DefaultPositions(B, T, 0, CPU), Dtype);
        _mask = AttentionMasks.Causal(null, B, T, 0, Dtype, CPU);
        _logits = torch.randn(B, Vocab);
    }

    [Benchmark] public void RmsNorm() { using var s = torch.NewDisposeScope(); _norm.forward(_x); }

    [Benchmark] public void Rope() { using var s = torch.NewDisposeScope(); Qwen3RotaryEmbedding.Apply(_q, _cos, _sin); }

    [Benchmark]
    public void EagerAttention()
    {
        using var s = torch.NewDisposeScope();
        var scores = torch.matmul(_q, _k.transpose(2, 3)) * (1 / Math.Sqrt(HeadDim)) + _mask;
        torch.matmul(scores.softmax(-1, ScalarType.Float32).to(Dtype), _v);
    }

    [Benchmark] public void SdpaAttention() { using var s = torch.NewDisposeScope(); nn.functional.scaled_dot_product_attention(_q, _k, _v, _mask); }

    [Benchmark] public void TopP() { using var s = torch.NewDisposeScope(); LogitsWarpers.TopP(_logits, 0.95); }
}
