namespace Reproduction.Reporting;

/// <summary>Mean and 95% confidence half-width at a point, across seeds.</summary>
public sealed record SeedStatistic(double Mean, double StdDev, double HalfWidth95, int N)
{
    public double Low => Mean - HalfWidth95;
    public double High => Mean + HalfWidth95;
    public override string ToString() => N > 1 ? $"{Mean:F3} ± {HalfWidth95:F3}" : $"{Mean:F3}";
}

/// <summary>
/// Seed statistics as MLPerf-style reports use them: the sample mean over seeds and a two-sided 95%
/// Student-t interval (n − 1 degrees of freedom, sample standard deviation); one seed has no interval.
/// Key points of a pipeline curve: the base model (step 0), the end of stage 1, the end of stage 2.
/// </summary>
public static class CurveStatistics
{
    public static SeedStatistic Of(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n == 0) throw new ArgumentException("no values", nameof(values));
        double mean = values.Average();
        if (n == 1) return new SeedStatistic(mean, 0, 0, 1);
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        return new SeedStatistic(mean, sd, TQuantile975(n - 1) * sd / Math.Sqrt(n), n);
    }

    /// <summary>t_{0.975, dof} (two-sided 95%); exact table to 30 degrees of freedom, then the normal 1.96.</summary>
    public static double TQuantile975(int dof) => dof switch
    {
        < 1 => double.NaN,
        <= 30 => Table[dof - 1],
        _ => 1.959964,
    };

    private static readonly double[] Table =
    [
        12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
        2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
        2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
    ];

    public enum KeyPoint { Base, EndOfStage1, EndOfStage2 }

    /// <summary>The value of a curve at a key point: step 0, the last point at or before the boundary, the last point.</summary>
    public static double At(Curve curve, int boundary, KeyPoint point) => PointAt(curve, boundary, point).Value;

    /// <summary>The point of a curve at a key point (with its interval when it has one).</summary>
    public static CurvePoint PointAt(Curve curve, int boundary, KeyPoint point)
    {
        boundary = curve.Boundary ?? boundary;
        var pts = curve.Points.OrderBy(p => p.Step).ToList();
        if (pts.Count == 0) throw new ReproException($"metric '{curve.Metric}', seed {curve.Seed}: empty curve");
        return point switch
        {
            KeyPoint.Base => pts[0].Step == 0 ? pts[0] : throw new ReproException($"metric '{curve.Metric}', seed {curve.Seed}: no step-0 (base model) point"),
            KeyPoint.EndOfStage1 => pts.LastOrDefault(p => p.Step <= boundary) ?? throw new ReproException($"metric '{curve.Metric}': no point before the stage boundary {boundary}"),
            _ => pts[^1],
        };
    }

    public static SeedStatistic AtKeyPoint(PipelineResult pipeline, string metric, KeyPoint point)
    {
        var curves = pipeline.CurvesOf(metric);
        if (curves.Count == 0) throw new ReproException($"pipeline '{pipeline.Id}' has no curve '{metric}'");
        return Of(curves.Select(c => At(c, pipeline.Boundary, point)).ToList());
    }

    /// <summary>Per-step statistics over the seeds that have a point at that step.</summary>
    public static IReadOnlyList<(int Step, SeedStatistic Stat)> MeanCurve(IReadOnlyList<Curve> curves) =>
        curves.SelectMany(c => c.Points).GroupBy(p => p.Step).OrderBy(g => g.Key)
              .Select(g => (g.Key, Of(g.Select(p => p.Value).ToList()))).ToList();

    /// <summary>Per-seed differences b − a between two key points, with their statistic (the effect size with CI).</summary>
    public static SeedStatistic Change(PipelineResult pipeline, string metric, KeyPoint from, KeyPoint to) =>
        Of(pipeline.CurvesOf(metric).Select(c => At(c, pipeline.Boundary, to) - At(c, pipeline.Boundary, from)).ToList());
}
