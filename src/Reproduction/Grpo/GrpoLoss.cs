using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Grpo;

/// <summary>
/// The GRPO policy loss of one micro-batch, token-level importance sampling. Mirrors TRL v1.9.0
/// `GRPOTrainer._compute_loss` (grpo_trainer.py:3026-3141, loss types grpo/bnpo/dr_grpo/dapo) and verl
/// `compute_policy_loss_vanilla` + `agg_loss` (core_algos.py:1160-1250, 1025-1078) for the verl modes.
/// <list type="bullet">
/// <item>coef_1 = exp(logp − old) (old = logp.detach() on-policy); verl clamps logp − old to ±20 first (log_ratio_clamp).</item>
/// <item>coef_2 = clamp(coef_1, 1 − ε_low, 1 + ε_high); then, with delta, coef_1 ← min(coef_1, delta).</item>
/// <item>surrogate = −min(coef_1·A, coef_2·A); with clip_ratio_c (verl dual clip), for A &lt; 0: min(surrogate, −A·c).</item>
/// <item>per-token loss = surrogate + beta·KL (KL times the pre-delta coef_1 with use_bias_correction_kl).</item>
/// <item>aggregation by <see cref="LossType"/>; see docs/options.md for the table.</item>
/// </list>
/// Gradient conventions are libtorch's: `minimum` splits the gradient on ties; `clamp` passes it on the closed range.
/// </summary>
public static class GrpoLoss
{
    /// <summary>verl's `seq-mean-token-mean` divides by (token count + 1e-8) (core_algos.py:1067).</summary>
    public const double VerlSeqTokenMeanEpsilon = 1e-8;

    public static GrpoLossResult Compute(GrpoLossInputs x, GrpoOptions o)
    {
        var lp = x.PerTokenLogps;
        Check(x, o);
        using var scope = NewDisposeScope();
        var mask = x.CompletionMask.to(lp.dtype, lp.device);
        var adv = x.Advantages.to(lp.dtype, lp.device).unsqueeze(1);                            // :3030 A broadcast over T
        var old = x.OldPerTokenLogps ?? lp.detach();                                             // :3036-3037 on-policy
        var logRatio = lp - old;                                                                 // :3054
        if (o.LogRatioClamp is { } lr) logRatio = logRatio.clamp(-lr, lr);                       // verl :1212
        var ratio = logRatio.exp();                                                              // :3066
        var coef1 = ratio;

        Tensor? kl = null;
        if (o.Beta != 0.0)
        {
            kl = KlEstimator.Compute(lp, x.RefPerTokenLogps!, o.KlEstimator);                   // :3071-3073
            if (o.UseBiasCorrectionKl) kl = kl * coef1;                                          // :3075-3076
        }

        double lo = 1 - o.EpsilonLow, hi = 1 + o.EffectiveEpsilonHigh;
        var coef2 = coef1.clamp(lo, hi);                                                         // :3084
        if (o.Delta is { } delta) coef1 = coef1.clamp(max: delta);                               // :3086-3087
        var surrogate = -minimum(coef1 * adv, coef2 * adv);                                      // :3089-3091
        Tensor? dualClipFraction = null;
        if (o.ClipRatioC is { } c)
        {
            var negative = adv.lt(0).expand_as(surrogate);
            var cap = -adv * c;                                                                  // verl :1229
            dualClipFraction = MaskedMean((surrogate.gt(cap) & negative).to_type(lp.dtype), mask); // verl :1231-1233
            surrogate = where(negative, minimum(cap, surrogate), surrogate);                     // verl :1230, :1235
        }
        var perTokenLoss = kl is null ? surrogate : surrogate + o.Beta * kl;                      // :3120-3121

        var (policyLoss, divideByGa) = Aggregate(perTokenLoss, mask, x, o);
        var loss = divideByGa && x.Training ? policyLoss / (double)o.GradientAccumulationSteps : policyLoss; // :3126-3128

        var isLow = coef1.lt(lo) & adv.lt(0);                                                   // :3244
        var isHigh = coef1.gt(hi) & adv.gt(0);                                                  // :3245
        var result = new GrpoLossResult(
            Loss: loss,
            PolicyLoss: policyLoss.detach(),
            Coef1: ratio.detach(),
            Coef2: coef2.detach(),
            ClippedSurrogate: surrogate.detach(),
            PerTokenKl: kl?.detach(),
            PerTokenLoss: perTokenLoss.detach(),
            ClipRatioLow: MaskedMean(isLow.to_type(lp.dtype), mask),                             // :3247
            ClipRatioHigh: MaskedMean(isHigh.to_type(lp.dtype), mask),                           // :3248
            ClipRatioRegion: MaskedMean((isLow | isHigh).to_type(lp.dtype), mask),               // :3249
            DualClipFraction: dualClipFraction,
            MeanKl: kl is null ? null : MaskedMean(kl.detach(), mask));                          // :3238
        foreach (var t in new[] { result.Loss, result.PolicyLoss, result.Coef1, result.Coef2, result.ClippedSurrogate,
                     result.PerTokenKl, result.PerTokenLoss, result.ClipRatioLow, result.ClipRatioHigh,
                     result.ClipRatioRegion, result.DualClipFraction, result.MeanKl })
            t?.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>The aggregated loss before any GA division, and whether TRL/verl then divide it by GA.</summary>
    private static (Tensor Loss, bool DivideByGa) Aggregate(Tensor l, Tensor m, GrpoLossInputs x, GrpoOptions o)
    {
        var lm = l * m;
        // A whole-batch count (rows, tokens) over all processes, as this process's share: the divisor that makes the
        // micro-batches of one step add up to the loss of the step's batch taken at once.
        double PerProcess(double count) => Math.Max(count, 1.0) / x.NumProcesses;
        switch (o.LossType)
        {
            case LossType.Grpo:                                                                  // :3124-3125
            {
                var perSequence = lm.sum(-1) / m.sum(-1).clamp(min: 1.0);
                if (x.NumRowsInBatch is { } r) return (perSequence.sum() / PerProcess(r), false);
                return (perSequence.mean(), true);
            }
            case LossType.Bnpo:                                                                  // :3130
            {
                // TRL divides each micro-batch's own token mean by GA, which equals the token mean of the step's batch
                // only when the micro-batches hold equal token counts; given the whole batch's count, bnpo uses it.
                if (x.NumItemsInBatch is { } n) return (lm.sum() / PerProcess(n), false);
                return (lm.sum() / m.sum().clamp(min: 1.0), true);
            }
            case LossType.DrGrpo:                                                                // :3135
            {
                if (x.NumRowsInBatch is { } r) return (lm.sum() / (PerProcess(r) * o.MaxCompletionLength), false);
                return (lm.sum() / (double)(l.shape[0] * o.MaxCompletionLength), true);
            }
            case LossType.Dapo:                                                                  // :3140-3141
            {
                if (x.NumItemsInBatch is { } n) return (lm.sum() / PerProcess(n), false);
                return (lm.sum() / (m.sum().clamp(min: 1.0) / (double)x.NumProcesses), false);
            }
            case LossType.TokenMean:                                                             // verl :1055-1058
            {
                if (x.NumItemsInBatch is { } n) return (lm.sum() / Math.Max(n, 1.0) * (double)x.NumProcesses, false);
                return (lm.sum() / m.sum().clamp(min: 1.0) * (double)x.NumProcesses, true);
            }
            case LossType.SeqMeanTokenSum:                                                       // verl :1059-1064
            case LossType.SeqMeanTokenMean:                                                      // verl :1065-1071
            {
                var tokensPerSeq = m.sum(-1);
                var seqLoss = o.LossType == LossType.SeqMeanTokenSum
                    ? lm.sum(-1)
                    : lm.sum(-1) / (tokensPerSeq + VerlSeqTokenMeanEpsilon);
                var nonEmpty = tokensPerSeq.gt(0).to_type(l.dtype);
                var kept = (seqLoss * nonEmpty).sum();
                if (x.NumSequencesInBatch is { } s) return (kept / Math.Max(s, 1.0) * (double)x.NumProcesses, false);
                return (kept / nonEmpty.sum().clamp(min: 1.0) * (double)x.NumProcesses, true);
            }
            default:
                throw new ReproException($"unknown loss_type {o.LossType}");
        }
    }

    /// <summary>TRL `global_masked_mean` on one process: Σ x·m / max(Σ m, 1) (grpo_trainer.py:3229-3235).</summary>
    private static Tensor MaskedMean(Tensor v, Tensor m) => (v * m).sum() / m.sum().clamp(min: 1.0);

    private static void Check(GrpoLossInputs x, GrpoOptions o)
    {
        var lp = x.PerTokenLogps;
        if (lp.dim() != 2 || !lp.is_floating_point())
            throw new ReproException($"per_token_logps must be a floating B×T tensor, got {lp.dtype} [{string.Join(", ", lp.shape)}]");
        void Same(Tensor? t, string name)
        {
            if (t is not null && !t.shape.SequenceEqual(lp.shape))
                throw new ReproException($"{name} has shape [{string.Join(", ", t.shape)}], per_token_logps [{string.Join(", ", lp.shape)}]");
        }
        Same(x.OldPerTokenLogps, "old_per_token_logps");
        Same(x.RefPerTokenLogps, "ref_per_token_logps");
        Same(x.CompletionMask, "completion_mask");
        if (x.Advantages.dim() != 1 || x.Advantages.shape[0] != lp.shape[0])
            throw new ReproException($"advantages must have length B = {lp.shape[0]}, got [{string.Join(", ", x.Advantages.shape)}]");
        if (o.Beta != 0.0 && x.RefPerTokenLogps is null)
            throw new ReproException($"beta = {o.Beta} needs ref_per_token_logps");
        if (x.NumProcesses < 1) throw new ReproException($"num_processes must be >= 1, got {x.NumProcesses}");
    }
}
