using Reproduction.Reporting;

namespace Reproduction.Gating;

/// <summary>
/// `repro baseline record`: turns a (multi-seed) run into a baseline. Tolerances come from the seed spread
/// measured in that run, never below a floor per metric kind. The gate compares two seed means (the run's and the
/// recorded one), whose difference has a standard error of sd·√(2/n) for n seeds; the band is three of those:
///   curve max-|Δ| = max(floor, 3·√(2/n) × the largest per-step seed standard deviation),
///   mean residual = max-|Δ| / 2,
///   end metric   = max(floor, 3·√(2/n) × its seed standard deviation).
/// A band spanning half of what a metric can take or more is refused (<see cref="RequireMeaningful"/>).
/// </summary>
public static class BaselineRecorder
{
    public const double StandardErrors = 3.0;

    /// <summary>Tolerance multiplier of the seed standard deviation for an n-seed baseline: 3·√(2/n).</summary>
    public static double SpreadMultiplier(int seeds) => StandardErrors * Math.Sqrt(2.0 / Math.Max(1, seeds));

    /// <summary>Floors: CE in nats/token; ±1 rewards' means over 300 prompts × 4 samples (two binomial standard errors).</summary>
    public static double FloorFor(string metric) => metric.Contains("ce", StringComparison.OrdinalIgnoreCase) ? 0.03 : 0.08;

    /// <summary>The values a metric can take: ±1 rewards' means lie in [−1, 1]; a cross-entropy in [0, ∞).</summary>
    public static (double Low, double High) RangeOf(string metric) =>
        metric.Contains("ce", StringComparison.OrdinalIgnoreCase) ? (0, double.PositiveInfinity) : (-1, 1);

    /// <summary>
    /// A band that spans half of what a metric can take or more cannot tell a working pipeline from a broken one: the
    /// seed spread that produced it is too wide, so such a check is refused (left out of the baseline, with this reason).
    /// </summary>
    public static string? Meaningless(string pipeline, string metric, string what, double tolerance)
    {
        var (lo, hi) = RangeOf(metric);
        return 2 * tolerance >= (hi - lo) / 2
            ? $"{pipeline}/{metric} {what}: tolerance ±{tolerance:G3} would span at least half of the metric's range [{lo}, {hi}]; the seeds disagree too much for this check to mean anything"
            : null;
    }

    public static string Rule =>
        $"curve max|Δ| = max(floor, {StandardErrors}·√(2/n)·max per-step seed std); mean residual = max|Δ|/2; " +
        $"end metrics = max(floor, {StandardErrors}·√(2/n)·seed std) for n seeds; floors: CE {FloorFor("ce")}, rewards {FloorFor("mean1")}; " +
        "a band spanning half of a metric's range or more is refused";

    public static Baseline Record(RunReport run)
    {
        var curves = new List<BaselineCurve>();
        var ends = new List<BaselineEndMetric>();
        var refused = new List<string>();
        foreach (var p in run.Pipelines)
        {
            foreach (var metric in p.Metrics.Order(StringComparer.Ordinal))
            {
                var stats = CurveStatistics.MeanCurve(p.AlignedCurvesOf(metric));
                double spread = stats.Count == 0 ? 0 : stats.Max(s => s.Stat.StdDev);
                double maxAbs = Math.Max(FloorFor(metric), SpreadMultiplier(run.Seeds.Count) * spread);
                if (Meaningless(p.Id, metric, "curve max|Δ|", maxAbs) is { } why) refused.Add(why);
                else curves.Add(new BaselineCurve(p.Id, metric, stats.Select(s => s.Step).ToList(),
                    stats.Select(s => s.Stat.Mean).ToList(), maxAbs, maxAbs / 2, p.Stages.Count > 1 ? p.Boundary : null));
                foreach (var point in Enum.GetValues<CurveStatistics.KeyPoint>())
                {
                    var s = CurveStatistics.AtKeyPoint(p, metric, point);
                    if (Meaningless(p.Id, metric, $"at {PointName(point)}", Math.Max(FloorFor(metric), SpreadMultiplier(run.Seeds.Count) * s.StdDev)) is { } pointWhy)
                    {
                        refused.Add(pointWhy);
                        continue;
                    }
                    ends.Add(new BaselineEndMetric(p.Id, metric, PointName(point), s.Mean, s.StdDev, s.N,
                        Math.Max(FloorFor(metric), SpreadMultiplier(run.Seeds.Count) * s.StdDev)));
                }
            }
        }
        return new Baseline(Baseline.CurrentFormat, run.Preset, run.Seeds, Rule, run.Environment.DeepClone().AsObject(), curves, ends)
            { Refused = refused.Count > 0 ? refused : null };
    }

    public static string PointName(CurveStatistics.KeyPoint p) => p switch
    {
        CurveStatistics.KeyPoint.Base => "base",
        CurveStatistics.KeyPoint.EndOfStage1 => "end_stage1",
        _ => "end_stage2",
    };

    public static CurveStatistics.KeyPoint ParsePoint(string name) => name switch
    {
        "base" => CurveStatistics.KeyPoint.Base,
        "end_stage1" => CurveStatistics.KeyPoint.EndOfStage1,
        "end_stage2" => CurveStatistics.KeyPoint.EndOfStage2,
        _ => throw new ReproException($"baseline: unknown key point '{name}' (base, end_stage1, end_stage2)"),
    };
}
