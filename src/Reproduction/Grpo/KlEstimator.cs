using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Grpo;

/// <summary>
/// Per-token estimators of KL(π_θ ‖ π_ref) from sampled-token log-probs (Schulman, "Approximating KL
/// divergence", 2020). All are differentiable in <c>logp</c>; <c>refLogp</c> is treated as a constant.
/// </summary>
public static class KlEstimator
{
    /// <summary>verl clamps ref − logp to ±20 before exp, "for numerical stability" (core_algos.py:1893).</summary>
    public const double LowVarKlLogRatioBound = 20.0;

    /// <summary>verl clamps the low_var_kl result to [−10, 10] (core_algos.py:1896).</summary>
    public const double LowVarKlBound = 10.0;

    /// <summary>The per-token KL estimate, same shape as <paramref name="logp"/>.</summary>
    public static Tensor Compute(Tensor logp, Tensor refLogp, KlEstimatorKind kind)
    {
        switch (kind)
        {
            case KlEstimatorKind.K1:
                return logp - refLogp;                                  // verl core_algos.py:1880 `logprob - ref_logprob`
            case KlEstimatorKind.K2:
                return (logp - refLogp).square().mul(0.5);              // verl core_algos.py:1886 `0.5 * (..).square()`
            case KlEstimatorKind.K3:
            {
                using var d = refLogp - logp;                           // TRL grpo_trainer.py:3071-3073
                using var e = d.exp();
                using var ed = e - d;
                return ed - 1.0;
            }
            case KlEstimatorKind.LowVarKl:
            {
                using var d = (refLogp - logp).clamp(-LowVarKlLogRatioBound, LowVarKlLogRatioBound); // verl :1893
                using var e = d.exp();
                using var ed = e - d;
                using var k3 = ed - 1.0;
                return k3.clamp(-LowVarKlBound, LowVarKlBound);         // verl core_algos.py:1896
            }
            default:
                throw new ReproException($"unknown KL estimator {kind}");
        }
    }
}
