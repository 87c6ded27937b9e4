using Reproduction.Grpo;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Grpo;

/// <summary>
/// The verl modes the golden file does not cover (loss_agg_mode token-mean / seq-mean-token-sum /
/// seq-mean-token-mean, dual clip clip_ratio_c, low_var_kl's clamps, the ±20 log-ratio clamp), against a
/// plain-double re-statement of verl's formulas (core_algos.py `compute_policy_loss_vanilla`, `agg_loss`,
/// `kl_penalty_forward`) written here, and gradients against central finite differences of that reference.
/// </summary>
public sealed class GrpoVerlModeTests
{
    /// <summary>Loss values: float64 arithmetic on O(1) numbers, only summation order differs.</summary>
    private const double ValueTolerance = 1e-12;

    /// <summary>Central differences with step 1e-6 have truncation+rounding error ~1e-9 on these O(1) functions.</summary>
    private const double FiniteDifferenceTolerance = 1e-6;
    private const double FiniteDifferenceStep = 1e-6;

    // B = 4 completions × T = 4 tokens. Row 3 is fully masked. Chosen so that no value sits on a clip kink:
    // row 0 (A > 0) has an in-range ratio, a low-clipped one and a high-clipped one; row 1 (A < 0) has a ratio
    // e^1.5 ≈ 4.48 > c = 3 (dual clip binds) and e^0.4 (unclipped, A < 0); ref − logp = 15 and −25 exercise
    // both low_var_kl clamps.
    private static readonly double[,] Lp = { { -0.5, -1.2, -0.3, -2.0 }, { -0.9, -0.4, -1.5, -0.7 }, { -1.1, -0.6, -0.8, -0.2 }, { -0.3, -0.3, -0.3, -0.3 } };
    private static readonly double[,] LogRatio = { { 0.1, -0.5, 0.05, 0.3 }, { 1.5, -0.1, 0.4, 0.02 }, { 0.2, 0.03, -0.3, 0.1 }, { 0.0, 0.1, 0.2, 0.3 } };
    private static readonly double[,] RefMinusLp = { { 0.2, -0.3, 15.0, 0.1 }, { 0.5, -25.0, 0.04, 0.3 }, { 0.1, 0.1, 0.1, 0.1 }, { 0.1, 0.2, 0.3, 0.4 } };
    private static readonly double[,] Mask = { { 1, 1, 1, 0 }, { 1, 1, 1, 1 }, { 1, 1, 0, 0 }, { 0, 0, 0, 0 } };
    private static readonly double[] Adv = [0.8, -1.1, 0.3, 0.5];

    private static GrpoOptions Verl(LossType lossType, double? c = 3.0, int ga = 1) => new()
    {
        LossType = lossType,
        Beta = 0.001,
        KlEstimator = KlEstimatorKind.LowVarKl,
        EpsilonLow = 0.2,
        EpsilonHigh = 0.28,
        ClipRatioC = c,
        LogRatioClamp = 20.0,
        GradientAccumulationSteps = ga,
        AdvantageEpsilon = GrpoAdvantages.VerlEpsilon,
    };

    public static TheoryData<LossType, bool, int> Modes()
    {
        var d = new TheoryData<LossType, bool, int>();
        foreach (var m in new[] { LossType.TokenMean, LossType.SeqMeanTokenSum, LossType.SeqMeanTokenMean })
            foreach (var dual in new[] { false, true })
                foreach (var ga in new[] { 1, 2 })
                    d.Add(m, dual, ga);
        return d;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Loss_and_gradient_match_the_plain_double_reference(LossType lossType, bool dualClip, int ga)
    {
        var o = Verl(lossType, dualClip ? 3.0 : null, ga);
        using var scope = NewDisposeScope();
        var lp = Grid(Lp).requires_grad_(true);
        using var r = GrpoLoss.Compute(Inputs(lp), o);
        r.Loss.backward();

        var lpFlat = Flat(Lp);
        Assert.Equal(Reference(lpFlat, o, null, null), r.Loss.ToDouble(), ValueTolerance);
        Assert.Equal(Reference(lpFlat, o, null, null) * ga, r.PolicyLoss.ToDouble(), ValueTolerance);
        var grad = lp.grad!.contiguous().data<double>().ToArray();
        for (var i = 0; i < lpFlat.Length; i++)
        {
            var plus = (double[])lpFlat.Clone(); plus[i] += FiniteDifferenceStep;
            var minus = (double[])lpFlat.Clone(); minus[i] -= FiniteDifferenceStep;
            var fd = (Reference(plus, o, null, null) - Reference(minus, o, null, null)) / (2 * FiniteDifferenceStep);
            Assert.True(Math.Abs(fd - grad[i]) <= FiniteDifferenceTolerance, $"d loss / d logp[{i}]: autograd {grad[i]:R}, finite difference {fd:R}");
        }
    }

    [Fact]
    public void Dual_clip_caps_negative_advantage_tokens_at_minus_A_times_c_and_reports_the_fraction()
    {
        using var scope = NewDisposeScope();
        using var on = GrpoLoss.Compute(Inputs(Grid(Lp)), Verl(LossType.TokenMean, 3.0));
        using var off = GrpoLoss.Compute(Inputs(Grid(Lp)), Verl(LossType.TokenMean, null));
        var sOn = on.ClippedSurrogate.data<double>().ToArray();
        var sOff = off.ClippedSurrogate.data<double>().ToArray();
        var capped = 1 * 4 + 0;                                                          // row 1, token 0: ratio e^1.5 > 3, A < 0
        Assert.Equal(-Math.Exp(1.5) * Adv[1], sOff[capped], ValueTolerance);
        Assert.Equal(-Adv[1] * 3.0, sOn[capped], ValueTolerance);
        for (var i = 0; i < sOn.Length; i++)
            if (i != capped) Assert.Equal(sOff[i], sOn[i], ValueTolerance);
        Assert.Equal(1.0 / MaskSum(), on.DualClipFraction!.ToDouble(), ValueTolerance); // one masked token of Σm
        Assert.Null(off.DualClipFraction);
    }

    [Fact]
    public void Global_token_and_sequence_counts_replace_the_local_ones_without_GA_division()
    {
        using var scope = NewDisposeScope();
        var lpFlat = Flat(Lp);
        using var tm = GrpoLoss.Compute(Inputs(Grid(Lp)) with { NumItemsInBatch = 40, NumProcesses = 2 }, Verl(LossType.TokenMean, ga: 4));
        Assert.Equal(Reference(lpFlat, Verl(LossType.TokenMean), 40, null) * 2, tm.Loss.ToDouble(), ValueTolerance);
        using var sm = GrpoLoss.Compute(Inputs(Grid(Lp)) with { NumSequencesInBatch = 12, NumProcesses = 2 }, Verl(LossType.SeqMeanTokenMean, ga: 4));
        Assert.Equal(Reference(lpFlat, Verl(LossType.SeqMeanTokenMean), null, 12) * 2, sm.Loss.ToDouble(), ValueTolerance);
    }

    [Theory]
    [InlineData(LossType.SeqMeanTokenMean)]
    [InlineData(LossType.SeqMeanTokenSum)]
    public void A_fully_masked_sequence_does_not_count_in_the_sequence_mean(LossType lossType)
    {
        using var scope = NewDisposeScope();
        var o = Verl(lossType);
        using var all = GrpoLoss.Compute(Inputs(Grid(Lp)), o);
        var keep = tensor(new long[] { 0, 1, 2 });
        var x = Inputs(Grid(Lp));
        using var three = GrpoLoss.Compute(new GrpoLossInputs(
            x.PerTokenLogps.index_select(0, keep), x.OldPerTokenLogps!.index_select(0, keep), x.RefPerTokenLogps!.index_select(0, keep),
            x.Advantages.index_select(0, keep), x.CompletionMask.index_select(0, keep)), o);
        Assert.Equal(three.Loss.ToDouble(), all.Loss.ToDouble(), ValueTolerance);
    }

    [Fact]
    public void Log_ratio_clamp_bounds_the_ratio_at_exp_20()
    {
        using var scope = NewDisposeScope();
        var lp = tensor(new[] { 0.0, 0.0 }).reshape(1, 2).requires_grad_(true);
        var old = tensor(new[] { -30.0, -1.0 }).reshape(1, 2);
        var x = new GrpoLossInputs(lp, old, null, tensor(new[] { -1.0 }), ones(1, 2, float64));
        using var r = GrpoLoss.Compute(x, new GrpoOptions { LogRatioClamp = 20.0, LossType = LossType.TokenMean, EpsilonLow = 0.2 });
        Assert.Equal(Math.Exp(20.0), r.Coef1.data<double>()[0], Math.Exp(20.0) * 1e-15);
        r.Loss.backward();
        Assert.Equal(0.0, lp.grad!.data<double>()[0]);                                 // clamped: no gradient
        using var unclamped = GrpoLoss.Compute(x, new GrpoOptions { LossType = LossType.TokenMean, EpsilonLow = 0.2 });
        Assert.Equal(Math.Exp(30.0), unclamped.Coef1.data<double>()[0], Math.Exp(30.0) * 1e-15);
    }

    // ---- the plain-double reference ----------------------------------------------------------------------------

    /// <summary>verl's loss on the fixed batch with the given current log-probs (row-major B×T).</summary>
    private static double Reference(double[] lp, GrpoOptions o, double? globalTokens, double? globalSeqs)
    {
        int b = Lp.GetLength(0), t = Lp.GetLength(1);
        var perToken = new double[b, t];
        for (var i = 0; i < b; i++)
            for (var j = 0; j < t; j++)
            {
                var cur = lp[i * t + j];
                var old = Lp[i, j] - LogRatio[i, j];
                var refLp = Lp[i, j] + RefMinusLp[i, j];
                var lr = Math.Clamp(cur - old, -o.LogRatioClamp!.Value, o.LogRatioClamp.Value);
                var ratio = Math.Exp(lr);
                var a = Adv[i];
                var pg1 = -a * ratio;
                var pg2 = -a * Math.Clamp(ratio, 1 - o.EpsilonLow, 1 + o.EffectiveEpsilonHigh);
                var pg = Math.Max(pg1, pg2);                                             // clip_pg_losses1
                if (o.ClipRatioC is { } c && a < 0) pg = Math.Min(-a * c, pg);          // dual clip
                var d = Math.Clamp(refLp - cur, -20, 20);
                var kl = Math.Clamp(Math.Exp(d) - d - 1, -10, 10);                       // low_var_kl
                perToken[i, j] = pg + o.Beta * kl;
            }

        double total = 0, tokens = 0, seqSum = 0, seqs = 0;
        for (var i = 0; i < b; i++)
        {
            double rowSum = 0, rowTokens = 0;
            for (var j = 0; j < t; j++) { rowSum += perToken[i, j] * Mask[i, j]; rowTokens += Mask[i, j]; }
            total += rowSum;
            tokens += rowTokens;
            if (rowTokens > 0)
            {
                seqSum += o.LossType == LossType.SeqMeanTokenSum ? rowSum : rowSum / (rowTokens + 1e-8);
                seqs++;
            }
        }
        var local = o.LossType == LossType.TokenMean ? globalTokens is null : globalSeqs is null;
        var loss = o.LossType == LossType.TokenMean ? total / (globalTokens ?? tokens) : seqSum / (globalSeqs ?? seqs);
        return local ? loss / o.GradientAccumulationSteps : loss;
    }

    private static double MaskSum() => Flat(Mask).Sum();

    private static GrpoLossInputs Inputs(Tensor lp)
    {
        var lr = Grid(LogRatio);
        var old = lp.detach() - lr;
        var refLp = lp.detach() + Grid(RefMinusLp);
        return new GrpoLossInputs(lp, old, refLp, tensor(Adv), Grid(Mask));
    }

    private static Tensor Grid(double[,] v) => tensor(Flat(v)).reshape(v.GetLength(0), v.GetLength(1));
    private static double[] Flat(double[,] v) => v.Cast<double>().ToArray();
}
