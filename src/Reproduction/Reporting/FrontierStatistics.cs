using System.Globalization;
using System.Text.Json.Serialization;

namespace Reproduction.Reporting;

/// <summary>
/// A mean over runs with its 95% percentile-bootstrap interval (<see cref="FrontierStatistics.Bootstrap"/>), or a point
/// estimate with the bootstrap interval of the same statistic (<see cref="FrontierStatistics.ProbabilityOfImprovement"/>).
/// <see cref="N"/> is the number of runs the statistic was computed from (for a probability of improvement, the smaller
/// of the two samples).
/// </summary>
public sealed record Interval(
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("ci95_low")] double Low,
    [property: JsonPropertyName("ci95_high")] double High,
    [property: JsonPropertyName("n")] int N)
{
    /// <summary>Whether the two closed intervals share a point.</summary>
    public bool Overlaps(Interval other) => Low <= other.High && other.Low <= High;

    public override string ToString() => N > 1
        ? string.Create(CultureInfo.InvariantCulture, $"{Mean:F3} [{Low:F3}, {High:F3}]")
        : Mean.ToString("F3", CultureInfo.InvariantCulture);
}

/// <summary>
/// Statistics for comparing schedules over few seeds, after rliable (Agarwal et al., "Deep Reinforcement Learning at the
/// Edge of the Statistical Precipice", NeurIPS 2021): percentile-bootstrap intervals of the mean over runs instead of
/// Student-t intervals that assume normality, the probability of improvement P(X &gt; Y) as an effect size that needs no
/// distributional assumption, a ranking into tiers that does not order schedules whose intervals overlap, the Pareto set
/// of the (SFT-test CE, robust mean@1) frontier, and the check that compared schedules spent the same budget.
/// </summary>
public static class FrontierStatistics
{
    public const int DefaultResamples = 2000;

    /// <summary>
    /// The mean of <paramref name="values"/> with its 95% percentile-bootstrap interval: the runs are resampled with
    /// replacement <paramref name="resamples"/> times (with one task, rliable's stratified bootstrap is this plain
    /// resample), and the interval is the 2.5th and 97.5th percentiles of the resampled means, taken as
    /// <c>Evaluation.RewardEvaluation.Bootstrap</c> takes them. One run has no spread: Low = High = Mean.
    /// Deterministic for a <paramref name="seed"/>.
    /// </summary>
    public static Interval Bootstrap(IReadOnlyList<double> values, int seed, int resamples = DefaultResamples)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        if (resamples < 1) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "at least one resample");
        double mean = MeanOf(values);
        if (values.Count == 1) return new Interval(mean, mean, mean, 1);
        var rng = new Random(seed);
        var means = new double[resamples];
        var sample = new double[values.Count];
        for (int b = 0; b < resamples; b++)
        {
            for (int i = 0; i < sample.Length; i++) sample[i] = values[rng.Next(values.Count)];
            means[b] = MeanOf(sample);
        }
        var (low, high) = Percentiles95(means);
        return new Interval(mean, low, high, values.Count);
    }

    /// <summary>
    /// rliable's probability of improvement P(X &gt; Y) = (1/(n·m)) Σ_i Σ_j S(x_i, y_j), where S is 1 when run x_i is
    /// better than run y_j, ½ when they are equal and 0 otherwise; "better" is larger when
    /// <paramref name="higherIsBetter"/>, smaller otherwise. ½ means neither tends to beat the other. The interval
    /// resamples the runs of X and of Y independently (a bootstrap stratified by sample), recomputes P, and takes the
    /// 2.5th and 97.5th percentiles.
    /// </summary>
    public static Interval ProbabilityOfImprovement(IReadOnlyList<double> x, IReadOnlyList<double> y, bool higherIsBetter, int seed, int resamples = DefaultResamples)
    {
        if (x.Count == 0) throw new ArgumentException("no values", nameof(x));
        if (y.Count == 0) throw new ArgumentException("no values", nameof(y));
        if (resamples < 1) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "at least one resample");
        double point = Improvement(x, y, higherIsBetter);
        var rng = new Random(seed);
        var xs = new double[x.Count];
        var ys = new double[y.Count];
        var estimates = new double[resamples];
        for (int b = 0; b < resamples; b++)
        {
            for (int i = 0; i < xs.Length; i++) xs[i] = x[rng.Next(x.Count)];
            for (int j = 0; j < ys.Length; j++) ys[j] = y[rng.Next(y.Count)];
            estimates[b] = Improvement(xs, ys, higherIsBetter);
        }
        var (low, high) = Percentiles95(estimates);
        return new Interval(point, low, high, Math.Min(x.Count, y.Count));
    }

    /// <summary>
    /// A ranking that does not order noise: items sorted by mean, best first (ties keep input order); tier 1 opens with
    /// the best item, and each next item joins the current tier when its interval overlaps the interval of the tier's
    /// first member, otherwise it opens the next tier. Returns each item's tier (1-based) in input order.
    /// </summary>
    public static IReadOnlyList<int> Tiers(IReadOnlyList<Interval> items, bool higherIsBetter)
    {
        var order = Enumerable.Range(0, items.Count)
            .OrderBy(i => higherIsBetter ? -items[i].Mean : items[i].Mean)
            .ThenBy(i => i)
            .ToList();
        var tiers = new int[items.Count];
        int tier = 0;
        Interval? head = null;
        foreach (var i in order)
        {
            if (head is null || !items[i].Overlaps(head))
            {
                tier++;
                head = items[i];
            }
            tiers[i] = tier;
        }
        return tiers;
    }

    /// <summary>
    /// The Pareto set of (CE, reward) points, CE lower and reward higher being better: a point belongs unless another
    /// point has CE ≤ and reward ≥ with at least one strictly. Equal points do not dominate each other.
    /// </summary>
    public static IReadOnlyList<bool> ParetoSet(IReadOnlyList<(double Ce, double Reward)> points) =>
        points.Select((p, i) => !points.Where((_, j) => j != i).Any(q =>
            q.Ce <= p.Ce && q.Reward >= p.Reward && (q.Ce < p.Ce || q.Reward > p.Reward))).ToList();

    /// <summary>
    /// Whether schedule A dominates B with intervals apart: A's whole CE interval lies below B's and A's whole reward
    /// interval lies above B's (ceA.High &lt; ceB.Low and rewardA.Low &gt; rewardB.High). A dominance of the means whose
    /// intervals overlap is not claimed.
    /// </summary>
    public static bool DominatesApart(Interval ceA, Interval rewardA, Interval ceB, Interval rewardB) =>
        ceA.High < ceB.Low && rewardA.Low > rewardB.High;

    /// <summary>
    /// Null when the compared schedules spent the same budget: every pair's optimizer steps and sampled completions
    /// differ by at most <see cref="ScheduleBudget.Tolerance"/> relative (|a − b| ≤ Tolerance·max(a, b)), and none used
    /// more demonstrations than <paramref name="demonstrationLimit"/>·(1 + Tolerance). Otherwise one sentence that names
    /// the schedules and the numbers. The pair that differs most relatively is the one with the smallest and the largest
    /// value, so that pair is named. A negative <paramref name="demonstrationLimit"/> skips the demonstration check.
    /// </summary>
    public static string? BudgetMismatch(IReadOnlyList<(string Schedule, ScheduleBudget Budget)> compared, long demonstrationLimit)
    {
        var problems = new List<string>();
        if (compared.Count > 1)
        {
            problems.AddRange(Spread(compared, b => b.OptimizerSteps, "optimizer steps"));
            problems.AddRange(Spread(compared, b => b.SampledCompletions, "sampled completions"));
        }
        if (demonstrationLimit >= 0)
            foreach (var (schedule, budget) in compared)
                if (budget.Demonstrations > demonstrationLimit * (1 + ScheduleBudget.Tolerance))
                    problems.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{schedule} used {budget.Demonstrations} demonstrations, more than the two-stage pipelines' {demonstrationLimit} by over {ScheduleBudget.Tolerance * 100:0}%"));
        return problems.Count == 0 ? null : "Budgets do not match: " + string.Join("; ", problems) + ".";
    }

    private static IEnumerable<string> Spread(IReadOnlyList<(string Schedule, ScheduleBudget Budget)> compared, Func<ScheduleBudget, long> measure, string what)
    {
        var least = compared.MinBy(c => measure(c.Budget));
        var most = compared.MaxBy(c => measure(c.Budget));
        long a = measure(least.Budget), b = measure(most.Budget);
        if (b - a <= ScheduleBudget.Tolerance * b) yield break;
        yield return string.Create(CultureInfo.InvariantCulture,
            $"{least.Schedule} used {a} {what} and {most.Schedule} {b}, {100.0 * (b - a) / b:0.0}% apart (tolerance {ScheduleBudget.Tolerance * 100:0}%)");
    }

    private static double Improvement(IReadOnlyList<double> x, IReadOnlyList<double> y, bool higherIsBetter)
    {
        double sum = 0;
        foreach (var xi in x)
            foreach (var yj in y)
                sum += xi == yj ? 0.5 : (xi > yj) == higherIsBetter ? 1 : 0;
        return sum / ((double)x.Count * y.Count);
    }

    private static double MeanOf(IReadOnlyList<double> values)
    {
        double sum = 0;
        for (int i = 0; i < values.Count; i++) sum += values[i];
        return sum / values.Count;
    }

    /// <summary>The 2.5th and 97.5th percentiles of <paramref name="estimates"/> (sorted in place), indexed as <c>Evaluation.RewardEvaluation.Bootstrap</c> indexes them.</summary>
    private static (double Low, double High) Percentiles95(double[] estimates)
    {
        Array.Sort(estimates);
        int last = estimates.Length - 1;
        return (estimates[(int)(0.025 * last)], estimates[(int)Math.Ceiling(0.975 * last)]);
    }
}
