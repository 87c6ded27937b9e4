using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Qwen3;

/// <summary>Differences between an actual and an expected tensor over valid positions.</summary>
public static class Diff
{
    /// <summary>
    /// (max, mean) |actual - expected| in float64. `valid` [B, L] (0/1) masks the leading two axes of [B, L, …]
    /// tensors; null compares everything. NaNs in `expected` (undefined positions) are excluded.
    /// </summary>
    public static (double Max, double Mean) Abs(Tensor actual, Tensor expected, Tensor? valid = null)
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(expected.shape, actual.shape);
        var d = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs();
        var keep = expected.isnan().logical_not();
        if (valid is not null)
        {
            var m = valid.ne(0);
            while (m.dim() < d.dim()) m = m.unsqueeze(-1);
            keep = keep.logical_and(m.expand_as(d));
        }
        var sel = d.masked_select(keep);
        Assert.True(sel.numel() > 0, "no valid positions to compare");
        return (sel.max().item<double>(), sel.mean().item<double>());
    }
}
