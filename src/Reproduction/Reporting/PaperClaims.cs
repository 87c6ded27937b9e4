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
