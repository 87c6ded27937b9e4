using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Grpo;

/// <summary>
/// What <see cref="GrpoLoss.Compute"/> returns. Only <see cref="Loss"/> stays on the autograd graph (call
/// `Loss.backward()`); every other tensor is detached. B×T tensors are given at every position, padded ones
/// included, as TRL computes them. Owns its tensors.
/// </summary>
/// <param name="Loss">The scalar to back-propagate (after TRL's gradient-accumulation division where it applies).</param>
/// <param name="PolicyLoss">The scalar before that division: the value TRL logs as `loss`.</param>
/// <param name="Coef1">B×T importance ratio exp(logp − old), before the optional delta cap (the surrogate and clip metrics use the capped one).</param>
/// <param name="Coef2">B×T ratio clamped to [1 − ε_low, 1 + ε_high].</param>
/// <param name="ClippedSurrogate">B×T −min(coef_1·A, coef_2·A), with verl's dual clip when clip_ratio_c is set.</param>
/// <param name="PerTokenKl">B×T KL estimate (times coef_1 with bias correction); null when beta = 0.</param>
/// <param name="PerTokenLoss">B×T clipped surrogate + beta·KL.</param>
/// <param name="ClipRatioLow">Masked token mean of (coef_1 &lt; 1 − ε_low) ∧ (A &lt; 0): TRL `clip_ratio/low_mean`.</param>
/// <param name="ClipRatioHigh">Masked token mean of (coef_1 &gt; 1 + ε_high) ∧ (A &gt; 0): TRL `clip_ratio/high_mean`.</param>
/// <param name="ClipRatioRegion">Masked token mean of low ∨ high: TRL `clip_ratio/region_mean`.</param>
/// <param name="DualClipFraction">verl `pg_clipfrac_lower`: tokens where the dual clip bit; null when it is off.</param>
/// <param name="MeanKl">Masked token mean of the KL: TRL `kl`; null when beta = 0.</param>
public sealed record GrpoLossResult(
    Tensor Loss,
    Tensor PolicyLoss,
    Tensor Coef1,
    Tensor Coef2,
    Tensor ClippedSurrogate,
    Tensor? PerTokenKl,
    Tensor PerTokenLoss,
    Tensor ClipRatioLow,
    Tensor ClipRatioHigh,
    Tensor ClipRatioRegion,
    Tensor? DualClipFraction,
    Tensor? MeanKl) : IDisposable
{
    /// <summary>The logged scalars under TRL's metric names (`loss`, `clip_ratio/*`, `kl`, verl's `pg_clipfrac_lower`).</summary>
    public IReadOnlyDictionary<string, double> Metrics()
    {
        var m = new Dictionary<string, double>
        {
            ["loss"] = PolicyLoss.ToDouble(),
            ["clip_ratio/low_mean"] = ClipRatioLow.ToDouble(),
            ["clip_ratio/high_mean"] = ClipRatioHigh.ToDouble(),
            ["clip_ratio/region_mean"] = ClipRatioRegion.ToDouble(),
        };
        if (MeanKl is not null) m["kl"] = MeanKl.ToDouble();
        if (DualClipFraction is not null) m["pg_clipfrac_lower"] = DualClipFraction.ToDouble();
        return m;
    }

    public void Dispose()
    {
        Loss.Dispose();
        PolicyLoss.Dispose();
        Coef1.Dispose();
        Coef2.Dispose();
        ClippedSurrogate.Dispose();
        PerTokenKl?.Dispose();
        PerTokenLoss.Dispose();
        ClipRatioLow.Dispose();
        ClipRatioHigh.Dispose();
        ClipRatioRegion.Dispose();
        DualClipFraction?.Dispose();
        MeanKl?.Dispose();
    }
}
