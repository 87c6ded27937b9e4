using Reproduction.Reporting;

namespace Reproduction.Gating;

/// <summary>
/// `repro baseline record`: turns a (multi-seed) run into a baseline. Tolerances come from the seed spread
/// measured in that run, never below a floor per metric kind:
///   curve max-|Δ| = max(floor, 4 × the largest per-step seed standard deviation),
///   mean residual = max-|Δ| / 2,
///   end metric   = max(floor, 4 × its seed standard deviation).
/// Four standard deviations keep a re-run of the same code inside the band with high probability while
/// a flipped or vanished effect (≥ 1 nat of CE, ≥ 0.3 of mean@1 in the tiny study) falls outside it.
/// </summary>
public static class BaselineRecorder
{
    public const double SpreadMultiplier = 4.0;

    /// <summary>Floors: CE in nats/token (above the run-to-run BLAS differences of the tiny model's CE, docs/log.md); ±1 rewards (one flipped answer in 50 is 0.04).</summary>
    public static double FloorFor(string metric) => metric.Contains("ce", StringComparison.OrdinalIgnoreCase) ? 0.15 : 0.12;

    public static string Rule =>
        $"curve max|Δ| = max(floor, {SpreadMultiplier}·max per-step seed std); mean residual = max|Δ|/2; " +
        $"end metrics = max(floor, {SpreadMultiplier}·seed std); floors: CE {FloorFor("ce")}, rewards {FloorFor("mean1")}";

    public static Baseline Record(RunReport run)
    {
        var curves = new List<BaselineCurve>();
        var ends = new List<BaselineEndMetric>();
        foreach (var p in run.Pipelines)
        {
            foreach (var metric in p.Metrics.Order(StringComparer.Ordinal))
            {
                var stats = CurveStatistics.MeanCurve(p.AlignedCurvesOf(metric));
                double spread = stats.Count == 0 ? 0 : stats.Max(s => s.Stat.StdDev);
                double maxAbs = Math.Max(FloorFor(metric), SpreadMultiplier * spread);
                curves.Add(new BaselineCurve(p.Id, metric, stats.Select(s => s.Step).ToList(),
                    stats.Select(s => s.Stat.Mean).ToList(), maxAbs, maxAbs / 2, p.Stages.Count > 1 ? p.Boundary : null));
                foreach (var point in Enum.GetValues<CurveStatistics.KeyPoint>())
                {
                    var s = CurveStatistics.AtKeyPoint(p, metric, point);
                    ends.Add(new BaselineEndMetric(p.Id, metric, PointName(point), s.Mean, s.StdDev, s.N,
                        Math.Max(FloorFor(metric), SpreadMultiplier * s.StdDev)));
                }
            }
        }
        return new Baseline(Baseline.CurrentFormat, run.Preset, run.Seeds, Rule, run.Environment.DeepClone().AsObject(), curves, ends);
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
