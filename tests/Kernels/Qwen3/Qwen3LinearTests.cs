using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Qwen3;

/// <summary>
/// <see cref="Qwen3Linear.Apply"/> sends a single bfloat16 row (a decoding step at batch 1) to gemv instead of
/// `F.linear`; both accumulate in float32 and round once, so the two agree to one bfloat16 rounding of the output.
/// </summary>
public sealed class Qwen3LinearTests
{
    [Theory]
    [InlineData(new long[] { 1, 1, 96 })]        // [B, T, in]: a decoding step
    [InlineData(new long[] { 1, 96 })]
    [InlineData(new long[] { 96 })]
    public void A_single_bfloat16_row_agrees_with_F_linear_to_one_rounding(long[] shape)
    {
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(5);
        var w = torch.randn([200, 96], generator: generator).to(ScalarType.BFloat16);
        var x = torch.randn(shape, generator: generator).to(ScalarType.BFloat16);
        var ours = Qwen3Linear.Apply(x, w);
        var reference = nn.functional.linear(x, w);
        Assert.Equal(reference.shape, ours.shape);
        Assert.Equal(ScalarType.BFloat16, ours.dtype);
        var exact = torch.matmul(x.to(ScalarType.Float64), w.to(ScalarType.Float64).t());
        // One bfloat16 rounding of the float32 sum: half a step (2⁻⁸ relative) each way, so both sit within a step of the exact value.
        var step = exact.abs().clamp_min(1e-3) * Math.Pow(2, -7);
        Assert.True((ours.to(ScalarType.Float64) - exact).abs().le(step).all().item<bool>(), "gemv is off the exact product by more than a bf16 step");
        Assert.True((reference.to(ScalarType.Float64) - exact).abs().le(step).all().item<bool>());
    }
}
