using Reproduction.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Sampling;

/// <summary>The warpers behave like transformers' TemperatureLogitsWarper, TopKLogitsWarper and TopPLogitsWarper.</summary>
public sealed class LogitsWarpersTests
{
    private static float[] Row(Tensor t) => t.data<float>().ToArray();

    [Fact]
    public void Top_k_keeps_the_k_largest()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, 5, 3, 4, 2 }).unsqueeze(0);
        var y = Row(LogitsWarpers.TopK(x, 2));
        Assert.Equal(new[] { float.NegativeInfinity, 5, float.NegativeInfinity, 4, float.NegativeInfinity }, y);
    }

    [Fact]
    public void Top_p_keeps_the_smallest_set_reaching_p_and_always_the_top_token()
    {
        using var scope = torch.NewDisposeScope();
        // probabilities 0.5, 0.3, 0.15, 0.05 (as logits)
        var probs = new[] { 0.5, 0.3, 0.15, 0.05 };
        var x = torch.tensor(probs.Select(p => (float)Math.Log(p)).ToArray()).unsqueeze(0);
        var kept = Row(LogitsWarpers.TopP(x, 0.75)).Select(v => !float.IsNegativeInfinity(v)).ToArray();
        // HF removes sorted tokens with cumulative (ascending) prob <= 0.25: 0.05, 0.2 → keeps 0.5, 0.3 (0.15 + 0.05 = 0.2 <= 0.25).
        Assert.Equal(new[] { true, true, false, false }, kept);
        var onlyTop = Row(LogitsWarpers.TopP(x, 0.01)).Select(v => !float.IsNegativeInfinity(v)).ToArray();
        Assert.Equal(new[] { true, false, false, false }, onlyTop);
    }

    [Fact]
    public void Temperature_divides_the_logits()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, -2 }).unsqueeze(0);
        Assert.Equal(new float[] { 2, -4 }, Row(LogitsWarpers.Temperature(x, 0.5)));
    }
}
