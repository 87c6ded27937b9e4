using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Qwen3;

/// <summary>
/// Where no matmul is involved, the implementation reproduces HF's rounding exactly (measured: 0 difference), so these
/// checks are exact. They pin details the loose bf16 tolerances cannot see: RMSNorm casts back to bf16 *before* the
/// weight multiply, and inv_freq is computed in float32 (not in double and cast).
/// </summary>
public sealed class Qwen3ExactRoundingTests
{
    [Fact]
    public void Bf16_input_layernorm_of_the_embeddings_is_bit_exact()
    {
        var g = GoldenQwen3.Get("bf16.bfloat16");
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        Tensor? normed = null;
        g.Model.Forward(GoldenQwen3.Ids(g.Case("single"), "input_ids")!,
            trace: (p, t) => { if (p == "layer_0.input_layernorm") normed = t.to(ScalarType.Float64).MoveToOuterDisposeScope(); });
        var (max, _) = Diff.Abs(normed!, g.Array("single.trace.layer_0.input_layernorm"));
        Assert.Equal(0.0, max);
    }

    [Theory]
    [MemberData(nameof(Qwen3ForwardGoldenTests.Stems), MemberType = typeof(Qwen3ForwardGoldenTests))]
    public void Inv_freq_is_bit_exact(string stem)
    {
        var g = GoldenQwen3.Get(stem);
        using var scope = torch.NewDisposeScope();
        var inv = g.Model.Model.Rotary.InvFreqFor(g.ComputeDtype).to(ScalarType.Float64);
        Assert.True(inv.eq(g.Array("rope.inv_freq")).all().item<bool>(), $"{stem}: inv_freq is not HF's float32 (or float64) table bit for bit");
    }

    [Fact]
    public void Generation_positions_are_cumsum_of_the_mask_minus_one_with_pads_at_one()
    {
        using var scope = torch.NewDisposeScope();
        var mask = torch.tensor(new long[] { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 }, [2, 5]);
        var pos = AttentionMasks.GenerationPositions(mask).data<long>().ToArray();
        Assert.Equal(new long[] { 1, 1, 0, 1, 2, 0, 1, 2, 3, 4 }, pos);
    }
}
