namespace Reproduction.Reporting;

/// <summary>
/// The two effects the paper predicts (§5.1, §5.2; Theorem 3.1, Proposition 1), as checks on a run:
/// the tracked metric, the two key points compared, and the direction the paper predicts.
/// </summary>
public sealed record PaperClaim(string Id, string Pipeline, string Metric, string Statement, bool ExpectIncrease)
{
    public const string SftThenRl = "sft-then-rl";
    public const string RlThenSft = "rl-then-sft";

    /// <summary>CE after RL &gt; CE at end of SFT; robust mean@1 after SFT &lt; mean@1 at end of RL.</summary>
    public static readonly IReadOnlyList<PaperClaim> All =
    [
        new("sft-then-rl-ce-rises", SftThenRl, "sft_test_ce", "SFT-test cross-entropy after GRPO exceeds its value at the end of SFT", ExpectIncrease: true),
        new("rl-then-sft-reward-drops", RlThenSft, "mean1_robust", "robust mean@1 after SFT falls below its value at the end of GRPO", ExpectIncrease: false),
    ];

    /// <summary>The change end-of-stage-2 − end-of-stage-1 per seed, and whether its mean has the predicted sign.</summary>
    public (SeedStatistic Change, bool Holds) Evaluate(RunReport run)
    {
        var change = CurveStatistics.Change(run.Pipeline(Pipeline), Metric, CurveStatistics.KeyPoint.EndOfStage1, CurveStatistics.KeyPoint.EndOfStage2);
        return (change, ExpectIncrease ? change.Mean > 0 : change.Mean < 0);
    }
}

/// <summary>
/// A stage's own effect, which must be seen before a coupling is claimed: a coupling measured on a stage that did
/// nothing (RL that raised no reward, SFT that lowered no loss) is not a reproduction. Holds when every seed moved
/// the metric in the expected direction by more than <see cref="MinChange"/> between the two key points, and by more
/// than the evaluation noise where the points carry 95% intervals (√(h₁² + h₂²) for half-widths h₁, h₂: a change a
/// re-evaluation of an unchanged model would rarely show).
/// </summary>
public sealed record StageEffect(string Id, string Pipeline, string Metric, CurveStatistics.KeyPoint From, CurveStatistics.KeyPoint To,
    bool ExpectIncrease, double MinChange, string Statement, string Missing)
{
    /// <summary>SFT lowers the SFT-test CE (SFT-then-RL's first stage); GRPO raises robust mean@1 by more than evaluation noise (RL-then-SFT's first stage).</summary>
    public static readonly IReadOnlyList<StageEffect> All =
    [
        new("sft-lowers-ce", PaperClaim.SftThenRl, "sft_test_ce", CurveStatistics.KeyPoint.Base, CurveStatistics.KeyPoint.EndOfStage1, ExpectIncrease: false, MinChange: 0,
            "SFT lowered the SFT-test cross-entropy", "not a reproduction: SFT did not lower its loss"),
        new("grpo-raises-reward", PaperClaim.RlThenSft, "mean1_robust", CurveStatistics.KeyPoint.Base, CurveStatistics.KeyPoint.EndOfStage1, ExpectIncrease: true, MinChange: 0.10,
            "GRPO raised robust mean@1 by more than 0.10 and its evaluation noise", "not a reproduction: GRPO did not raise the reward"),
    ];

    /// <summary>The per-seed changes and whether every seed shows the effect.</summary>
    public (SeedStatistic Change, IReadOnlyList<double> PerSeed, bool Holds) Evaluate(RunReport run)
    {
        var p = run.Pipeline(Pipeline);
        var curves = p.CurvesOf(Metric);
        var perSeed = curves.Select(c => CurveStatistics.At(c, p.Boundary, To) - CurveStatistics.At(c, p.Boundary, From)).ToList();
        bool holds = perSeed.Count > 0 && curves.Select((c, i) => (ExpectIncrease ? perSeed[i] : -perSeed[i]) > Math.Max(MinChange, Noise(c, p.Boundary))).All(x => x);
        return (CurveStatistics.Of(perSeed), perSeed, holds);
    }

    private double Noise(Curve c, int boundary)
    {
        double HalfWidth(CurveStatistics.KeyPoint k)
        {
            var pt = CurveStatistics.PointAt(c, boundary, k);
            return pt.CiLow is { } lo && pt.CiHigh is { } hi ? (hi - lo) / 2 : 0;
        }
        return Math.Sqrt(Math.Pow(HalfWidth(From), 2) + Math.Pow(HalfWidth(To), 2));
    }

    /// <summary>The effects a pipeline's coupling rests on that this run does not show.</summary>
    public static IReadOnlyList<StageEffect> MissingFor(RunReport run, string pipeline) =>
        All.Where(e => e.Pipeline == pipeline && run.Pipelines.Any(p => p.Id == pipeline && p.CurvesOf(e.Metric).Count > 0) && !e.Evaluate(run).Holds).ToList();
}
