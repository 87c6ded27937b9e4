using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Reproduction.IO;
using ScottPlot;

namespace Reproduction.Reporting;

/// <summary>
/// One schedule over its seeds: the mean of each measure with its 95% percentile-bootstrap interval
/// (<see cref="FrontierStatistics.Bootstrap"/>), the mean budget, and, for schedules that are not references, its tier by
/// robust mean@1 (<see cref="FrontierStatistics.Tiers"/>) and whether its mean (CE, robust mean@1) is on the Pareto front.
/// </summary>
public sealed record ScheduleSummary(
    [property: JsonPropertyName("schedule")] string Schedule,
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("parameters")] IReadOnlyDictionary<string, string> Parameters,
    [property: JsonPropertyName("reference")] bool Reference,
    [property: JsonPropertyName("seeds")] IReadOnlyList<int> Seeds,
    [property: JsonPropertyName("sft_test_ce")] Interval SftTestCe,
    [property: JsonPropertyName("mean1_robust")] Interval Robust,
    [property: JsonPropertyName("mean1_strict")] Interval Strict,
    [property: JsonPropertyName("greedy_accuracy")] Interval GreedyAccuracy,
    [property: JsonPropertyName("forward_kl_base")] Interval ForwardKl,
    [property: JsonPropertyName("wall_s")] Interval WallSeconds,
    [property: JsonPropertyName("budget")] ScheduleBudget Budget,
    [property: JsonPropertyName("tier")] int? Tier,
    [property: JsonPropertyName("pareto")] bool? Pareto);

/// <summary>
/// rliable's probability of improvement P(A &gt; B) on one metric (<see cref="FrontierStatistics.ProbabilityOfImprovement"/>):
/// the chance that a run of schedule A is better than a run of schedule B, ties counting one half, with its 95%
/// bootstrap interval. ½ is no tendency either way.
/// </summary>
public sealed record PairwiseImprovement(
    [property: JsonPropertyName("a")] string A,
    [property: JsonPropertyName("b")] string B,
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("ci95_low")] double Low,
    [property: JsonPropertyName("ci95_high")] double High);

/// <summary>
/// Whether LUFFY's published ordering of robust mean@1 (joint training below SFT-then-RL below LUFFY; Yan et al. 2025)
/// holds here by mean, with a sentence that states the ordering measured or the inequality that fails.
/// <see cref="Joint"/> is the best schedule of the "joint" family.
/// </summary>
public sealed record LuffyOrdering(
    [property: JsonPropertyName("holds")] bool Holds,
    [property: JsonPropertyName("joint")] string Joint,
    [property: JsonPropertyName("text")] string Text);

/// <summary>
/// What `repro frontier --schedules` concludes from its runs: each schedule's intervals, tier and Pareto flag, every ordered
/// pair's probability of improvement on robust mean@1 and on SFT-test CE, the budget check (null when the budgets match),
/// the schedules that dominate SFT-then-RL with intervals apart (null when SFT-then-RL was not run) and LUFFY's ordering
/// (null when joint, SFT-then-RL or LUFFY was not run).
/// </summary>
public sealed record FrontierSummary(
    [property: JsonPropertyName("seeds")] IReadOnlyList<int> Seeds,
    [property: JsonPropertyName("schedules")] IReadOnlyList<ScheduleSummary> Schedules,
    [property: JsonPropertyName("probability_of_improvement")] IReadOnlyList<PairwiseImprovement> Improvements,
    [property: JsonPropertyName("budget_check")] string? BudgetCheck,
    [property: JsonPropertyName("dominates_sft_then_rl")] IReadOnlyList<string>? DominatesSftThenRl,
    [property: JsonPropertyName("luffy_ordering")] LuffyOrdering? LuffyOrdering);

/// <summary>The content of <see cref="ScheduleFrontierReport.JsonFile"/>: the summary with the preset and every run it was computed from.</summary>
public sealed record FrontierDocument(
    [property: JsonPropertyName("preset")] string Preset,
    [property: JsonPropertyName("seeds")] IReadOnlyList<int> Seeds,
    [property: JsonPropertyName("budget_check")] string? BudgetCheck,
    [property: JsonPropertyName("runs")] IReadOnlyList<ScheduleRun> Runs,
    [property: JsonPropertyName("schedules")] IReadOnlyList<ScheduleSummary> Schedules,
    [property: JsonPropertyName("probability_of_improvement")] IReadOnlyList<PairwiseImprovement> Improvements,
    [property: JsonPropertyName("dominates_sft_then_rl")] IReadOnlyList<string>? DominatesSftThenRl,
    [property: JsonPropertyName("luffy_ordering")] LuffyOrdering? LuffyOrdering);

/// <summary>
/// The report of `repro frontier --schedules`: <see cref="JsonFile"/> (every run and the summary), <see cref="MarkdownFile"/>
/// (a ranked table in tiers, the budget check, the measured statements, the probability-of-improvement matrix) and
/// <see cref="PngFile"/> (SFT-test CE against robust mean@1 with 95% intervals on both axes). The statistics follow rliable
/// (Agarwal et al., NeurIPS 2021): bootstrap intervals over few seeds, probability of improvement, and tiers instead of a
/// strict order of means whose intervals overlap.
/// </summary>
public static class ScheduleFrontierReport
{
    public const string JsonFile = "frontier.json", MarkdownFile = "frontier.md", PngFile = "frontier.png";
    public const string SftThenRl = "sft-then-rl", RlThenSft = "rl-then-sft", Luffy = "luffy", JointFamily = "joint";
    public const string RobustMetric = "mean1_robust", CeMetric = "sft_test_ce";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,    // "<" and "‖" stay readable in the statements
    };

    /// <summary>
    /// Groups <paramref name="runs"/> by schedule (first-seen order) and computes everything the report states.
    /// Bootstrap streams are derived from <paramref name="seed"/>, so the summary is deterministic for it.
    /// </summary>
    public static FrontierSummary Summarize(IReadOnlyList<ScheduleRun> runs, int seed = 0)
    {
        if (runs.Count == 0) throw new ArgumentException("no runs", nameof(runs));
        var groups = runs.GroupBy(r => r.Schedule).Select(g => g.ToList()).ToList();    // GroupBy keeps first-seen order
        var summaries = groups.Select((g, i) => SummarizeSchedule(g, seed, i)).ToList();

        // Schedules are compared only at equal budgets: a mismatch leaves them unranked, with the mismatch stated instead.
        var candidates = summaries.Where(s => !s.Reference).ToList();
        var twoStage = candidates.Where(s => s.Schedule is SftThenRl or RlThenSft).ToList();
        long demonstrationLimit = twoStage.Count > 0 ? twoStage.Max(s => s.Budget.Demonstrations) : -1;
        var budgetCheck = FrontierStatistics.BudgetMismatch(candidates.Select(s => (s.Schedule, s.Budget)).ToList(), demonstrationLimit);
        var seeds = runs.Select(r => r.Seed).Distinct().Order().ToList();
        if (budgetCheck is not null) return new FrontierSummary(seeds, summaries, [], budgetCheck, null, null);

        var ranked = summaries.Select((s, i) => (s, i)).Where(x => !x.s.Reference).ToList();
        var tiers = FrontierStatistics.Tiers(ranked.Select(x => x.s.Robust).ToList(), higherIsBetter: true);
        var pareto = FrontierStatistics.ParetoSet(ranked.Select(x => (x.s.SftTestCe.Mean, x.s.Robust.Mean)).ToList());
        for (int k = 0; k < ranked.Count; k++)
            summaries[ranked[k].i] = ranked[k].s with { Tier = tiers[k], Pareto = pareto[k] };

        var compared = summaries.Where(s => !s.Reference).ToList();
        var values = groups.ToDictionary(g => g[0].Schedule);
        var improvements = new List<PairwiseImprovement>();
        int comparison = 0;
        foreach (var a in compared)
            foreach (var b in compared)
            {
                if (a.Schedule == b.Schedule) continue;
                foreach (var (metric, higherIsBetter, measure) in new (string, bool, Func<ScheduleRun, double>)[] { (RobustMetric, true, r => r.Robust), (CeMetric, false, r => r.SftTestCe) })
                {
                    var p = FrontierStatistics.ProbabilityOfImprovement(values[a.Schedule].Select(measure).ToList(), values[b.Schedule].Select(measure).ToList(), higherIsBetter, Seeds.PairwiseBootstrap(seed, comparison++));
                    improvements.Add(new PairwiseImprovement(a.Schedule, b.Schedule, metric, p.Mean, p.Low, p.High));
                }
            }

        var sftThenRl = compared.FirstOrDefault(s => s.Schedule == SftThenRl);
        var dominates = sftThenRl is null ? null : compared
            .Where(s => s != sftThenRl && FrontierStatistics.DominatesApart(s.SftTestCe, s.Robust, sftThenRl.SftTestCe, sftThenRl.Robust))
            .Select(s => s.Schedule).ToList();

        return new FrontierSummary(seeds, summaries, improvements, null, dominates, Ordering(compared, sftThenRl));
    }

    private static ScheduleSummary SummarizeSchedule(IReadOnlyList<ScheduleRun> runs, int seed, int index)
    {
        var first = runs[0];
        Interval Of(Func<ScheduleRun, double> measure, int offset) => FrontierStatistics.Bootstrap(runs.Select(measure).ToList(), Seeds.ScheduleBootstrap(seed, index, offset));
        var budget = new ScheduleBudget(
            (int)Math.Round(runs.Average(r => (double)r.Budget.OptimizerSteps)),
            (long)Math.Round(runs.Average(r => (double)r.Budget.SampledCompletions)),
            (long)Math.Round(runs.Average(r => (double)r.Budget.Demonstrations)));
        return new ScheduleSummary(first.Schedule, first.Family, first.Parameters, first.Reference, runs.Select(r => r.Seed).ToList(),
            Of(r => r.SftTestCe, 0), Of(r => r.Robust, 1), Of(r => r.Strict, 2), Of(r => r.GreedyAccuracy, 3), Of(r => r.ForwardKl, 4), Of(r => r.WallSeconds, 5),
            budget, Tier: null, Pareto: null);
    }

    /// <summary>LUFFY's ordering joint &lt; SFT-then-RL &lt; LUFFY in robust mean@1, by mean; null when one of them is absent.</summary>
    private static LuffyOrdering? Ordering(IReadOnlyList<ScheduleSummary> compared, ScheduleSummary? sftThenRl)
    {
        var luffy = compared.FirstOrDefault(s => s.Schedule == Luffy) ?? compared.FirstOrDefault(s => s.Family == Luffy);
        var joint = compared.Where(s => s.Family == JointFamily || s.Schedule == JointFamily).MaxBy(s => s.Robust.Mean);
        if (sftThenRl is null || luffy is null || joint is null) return null;
        string Name(ScheduleSummary s) => string.Create(CultureInfo.InvariantCulture, $"{s.Schedule} ({s.Robust.Mean:F3})");
        var failures = new List<string>();
        if (!(joint.Robust.Mean < sftThenRl.Robust.Mean)) failures.Add($"{Name(joint)} is not below {Name(sftThenRl)}");
        if (!(sftThenRl.Robust.Mean < luffy.Robust.Mean)) failures.Add($"{Name(sftThenRl)} is not below {Name(luffy)}");
        return failures.Count == 0
            ? new LuffyOrdering(true, joint.Schedule, $"{Name(joint)} < {Name(sftThenRl)} < {Name(luffy)}")
            : new LuffyOrdering(false, joint.Schedule, string.Join("; ", failures));
    }

    /// <summary>Writes <see cref="JsonFile"/>, <see cref="MarkdownFile"/> and <see cref="PngFile"/> into <paramref name="dir"/>.</summary>
    public static void Write(FrontierSummary summary, IReadOnlyList<ScheduleRun> runs, string preset, string dir)
    {
        var document = new FrontierDocument(preset, summary.Seeds, summary.BudgetCheck, runs, summary.Schedules, summary.Improvements,
            summary.DominatesSftThenRl, summary.LuffyOrdering);
        AtomicFile.WriteAllText(Path.Combine(dir, JsonFile), JsonSerializer.Serialize(document, Json));
        AtomicFile.WriteAllText(Path.Combine(dir, MarkdownFile), Markdown(summary, preset));
        var png = Path.Combine(dir, PngFile);
        if (summary.BudgetCheck is null) Plot(summary, preset, png);
        else if (File.Exists(png)) File.Delete(png);                      // no frontier is drawn from unequal budgets
    }

    /// <summary>The preset and runs of a schedule frontier's <see cref="JsonFile"/> (to summarise and draw again), or null when the file is a two-stage frontier's.</summary>
    public static (string Preset, IReadOnlyList<ScheduleRun> Runs)? LoadRuns(string dir)
    {
        var path = Path.Combine(dir, JsonFile);
        if (!File.Exists(path)) throw new ReproException($"{path}: not found (a frontier run folder holds {JsonFile})");
        try
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path));
            if (node?["runs"] is not { } runs) return null;
            var list = runs.Deserialize<List<ScheduleRun>>(Json) is { Count: > 0 } l ? l : throw new ReproException($"{path}: 'runs' is empty");
            return ((string?)node["preset"] ?? throw new ReproException($"{path}: no 'preset'"), list);
        }
        catch (JsonException e) { throw new ReproException($"{path}: not a frontier file ({e.Message})"); }
    }

    /// <summary>The text of <see cref="MarkdownFile"/>.</summary>
    public static string Markdown(FrontierSummary summary, string preset)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        var compared = summary.Schedules.Where(s => !s.Reference).ToList();
        md.AppendLine($"# Schedule frontier: preset `{preset}`, seeds {string.Join(", ", summary.Seeds)}").AppendLine();
        if (summary.BudgetCheck is { } mismatch)
        {
            md.AppendLine($"**Not compared: the budgets differ.** {mismatch} Schedules are ranked, tested against each other and drawn as a " +
                          "frontier only at equal budgets; their measures are listed below, unranked.").AppendLine();
            md.AppendLine("| schedule | robust mean@1 [95% CI] | strict | SFT-test CE [95% CI] | greedy acc | KL(base‖π) | steps | completions | demos | wall s |");
            md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var s in summary.Schedules)
                md.AppendLine(Row("", s.Schedule + (s.Reference ? " (reference)" : ""), s)[3..]);
            return md.ToString();
        }
        md.AppendLine("Intervals are 95% percentile-bootstrap intervals of the mean over seeds (rliable, Agarwal et al. 2021). " +
                      "Schedules share a tier when their robust mean@1 interval overlaps that of the tier's best; ★ marks the Pareto set " +
                      "of mean (SFT-test CE, robust mean@1).").AppendLine();
        if (compared.Count > 0)
            md.AppendLine(string.Create(inv, $"Budget check: budgets match within {ScheduleBudget.Tolerance * 100:0}%: steps {Range(compared.Select(s => (long)s.Budget.OptimizerSteps))}, " +
                                             $"completions {Range(compared.Select(s => s.Budget.SampledCompletions))}.")).AppendLine();

        md.AppendLine("| tier | schedule | robust mean@1 [95% CI] | strict | SFT-test CE [95% CI] | greedy acc | KL(base‖π) | steps | completions | demos | wall s |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in compared.OrderBy(s => s.Tier).ThenByDescending(s => s.Robust.Mean))
            md.AppendLine(Row(s.Tier!.Value.ToString(inv), (s.Pareto == true ? "★ " : "") + s.Schedule, s));
        foreach (var s in summary.Schedules.Where(s => s.Reference))
            md.AppendLine(Row("reference", s.Schedule + " (reference)", s));
        md.AppendLine();

        md.AppendLine("## Measured statements").AppendLine();
        md.AppendLine(summary.DominatesSftThenRl switch
        {
            null => "- sft-then-rl was not run, so no schedule is compared with it.",
            { Count: 0 } => "- No schedule dominates sft-then-rl with 95% intervals apart (lower SFT-test CE and higher robust mean@1, intervals not overlapping).",
            var names => $"- {string.Join(", ", names)} dominate{(names.Count == 1 ? "s" : "")} sft-then-rl with 95% intervals apart: lower SFT-test CE and higher robust mean@1, intervals not overlapping on either.",
        });
        md.AppendLine(summary.LuffyOrdering switch
        {
            null => "- LUFFY's published ordering (joint < sft-then-rl < luffy in robust mean@1) cannot be checked: a joint schedule, sft-then-rl or luffy was not run.",
            { Holds: true } o => $"- LUFFY's published ordering (joint < sft-then-rl < luffy in robust mean@1) holds here by mean: {o.Text}.",
            var o => $"- LUFFY's published ordering (joint < sft-then-rl < luffy in robust mean@1) does not hold here by mean: {o.Text}.",
        });
        md.AppendLine();

        if (compared.Count > 1)
        {
            md.AppendLine("## Probability of improvement, robust mean@1").AppendLine();
            md.AppendLine("P(A > B): the chance that a run of the row's schedule A has a higher robust mean@1 than a run of the column's B (ties count ½).").AppendLine();
            md.AppendLine("| A \\ B | " + string.Join(" | ", compared.Select(s => s.Schedule)) + " |");
            md.AppendLine("|---|" + string.Concat(compared.Select(_ => "---|")));
            var poi = summary.Improvements.Where(p => p.Metric == RobustMetric).ToDictionary(p => (p.A, p.B));
            foreach (var a in compared)
                md.AppendLine($"| {a.Schedule} | " + string.Join(" | ", compared.Select(b =>
                    a.Schedule == b.Schedule ? "—" : poi.TryGetValue((a.Schedule, b.Schedule), out var p) ? p.Mean.ToString("F2", inv) : "")) + " |");
            md.AppendLine();
        }
        md.AppendLine($"![SFT-test CE against robust mean@1]({PngFile})");
        return md.ToString();
    }

    private static string Row(string tier, string name, ScheduleSummary s) => string.Create(CultureInfo.InvariantCulture,
        $"| {tier} | {name} | {s.Robust} | {s.Strict.Mean:F3} | {s.SftTestCe} | {s.GreedyAccuracy.Mean:F3} | {s.ForwardKl.Mean:F4} | " +
        $"{s.Budget.OptimizerSteps} | {s.Budget.SampledCompletions} | {s.Budget.Demonstrations} | {s.WallSeconds.Mean:F0} |");

    private static string Range(IEnumerable<long> values)
    {
        var list = values.ToList();
        long lo = list.Min(), hi = list.Max();
        return lo == hi ? lo.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{lo}–{hi}");
    }

    /// <summary>
    /// SFT-test CE (y) against robust mean@1 (x): one point per schedule at its means, with its 95% intervals as bars on
    /// both axes and its name beside it; the Pareto set ringed; references in grey squares; the members of a sweep (one family, differing
    /// parameters) joined by a thin line in order of the parameter that varies, one colour per family.
    /// </summary>
    public static void Plot(FrontierSummary summary, string preset, string path)
    {
        var plot = new Plot();
        // Eleven families and more: Category10 would give two of them one colour.
        var palette = new ScottPlot.Palettes.Category20();
        var families = summary.Schedules.Where(s => !s.Reference).Select(s => s.Family).Distinct().ToList();
        int[] order = [0, 2, 4, 6, 8, 10, 12, 16, 18, 1, 3, 5, 7, 9, 11, 13, 17, 19];    // the dark shades first; grey is the references'
        Color ColorOf(ScheduleSummary s) => s.Reference ? Colors.Gray : palette.GetColor(order[families.IndexOf(s.Family) % order.Length]);
        // Cross-entropies span orders of magnitude across schedules (one that forgets sits far above the rest): log axis.
        double floor = Math.Max(1e-4, summary.Schedules.Min(s => s.SftTestCe.Low) / 2);
        double Y(double ce) => Math.Log10(Math.Max(ce, floor));

        foreach (var family in families)
        {
            var sweep = Sweep(summary.Schedules.Where(s => !s.Reference && s.Family == family).ToList());
            if (sweep.Count < 2) continue;
            var line = plot.Add.ScatterLine(sweep.Select(s => s.Robust.Mean).ToArray(), sweep.Select(s => Y(s.SftTestCe.Mean)).ToArray(), ColorOf(sweep[0]).WithAlpha(0.6));
            line.LineWidth = 1;
            line.MarkerSize = 0;
        }

        var legendDone = new HashSet<string>();
        foreach (var s in summary.Schedules)
        {
            var color = ColorOf(s);
            double x = s.Robust.Mean, y = Y(s.SftTestCe.Mean);
            foreach (var bar in new[] { plot.Add.Line(s.Robust.Low, y, s.Robust.High, y), plot.Add.Line(x, Y(s.SftTestCe.Low), x, Y(s.SftTestCe.High)) })
            {
                bar.Color = color.WithAlpha(0.6);
                bar.LineWidth = 1.5f;
            }
            var marker = plot.Add.Marker(x, y, s.Reference ? MarkerShape.FilledSquare : MarkerShape.FilledCircle, 9, color);
            var legend = s.Reference ? "reference (base, SFT only, RL only)" : s.Family;
            if (legendDone.Add(legend)) marker.LegendText = legend;
            if (s.Pareto == true)
            {
                var ring = plot.Add.Marker(x, y, MarkerShape.OpenCircle, 17, Colors.Black);
                if (legendDone.Add("pareto")) ring.LegendText = "Pareto set of the means";
            }
            var label = plot.Add.Text(s.Schedule, x, y);
            label.LabelFontColor = s.Reference ? Colors.DimGray : color;
            label.LabelFontSize = 12;
            label.LabelAlignment = Alignment.LowerLeft;
            label.OffsetX = 6;
            label.OffsetY = -4;
        }
        double lo = summary.Schedules.Min(s => Y(s.SftTestCe.Low)), hi = summary.Schedules.Max(s => Y(s.SftTestCe.High));
        var ticks = new[] { 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50 }
            .Where(v => Math.Log10(v) >= lo - 0.35 && Math.Log10(v) <= hi + 0.35).ToArray();
        plot.Axes.Left.SetTicks(ticks.Select(Math.Log10).ToArray(), ticks.Select(v => v.ToString("0.####", CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.Margins(0.15, 0.12);                                     // room for the names beside the outermost points
        FigureFile.Finish(plot, $"Schedules: forgetting against reward [{preset}], 95% bootstrap intervals over {summary.Seeds.Count} seed{(summary.Seeds.Count == 1 ? "" : "s")}",
            "robust mean@1 (higher is better)", "SFT-test CE, nats/token (log; lower is better)", path);
    }

    /// <summary>
    /// The members of one family in order of the parameter that varies among them (the first such key in ordinal order;
    /// numeric when every value parses as a number). Members with identical parameters are not a sweep: empty.
    /// </summary>
    internal static IReadOnlyList<ScheduleSummary> Sweep(IReadOnlyList<ScheduleSummary> members)
    {
        var key = members.SelectMany(m => m.Parameters.Keys).Distinct().Order(StringComparer.Ordinal)
            .FirstOrDefault(k => members.Select(m => m.Parameters.GetValueOrDefault(k)).Distinct().Count() > 1);
        if (key is null) return [];
        var text = members.Select(m => m.Parameters.GetValueOrDefault(key) ?? "").ToList();
        bool numeric = text.All(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        return numeric
            ? members.OrderBy(m => double.Parse(m.Parameters.GetValueOrDefault(key) ?? "", NumberStyles.Float, CultureInfo.InvariantCulture)).ToList()
            : members.OrderBy(m => m.Parameters.GetValueOrDefault(key) ?? "", StringComparer.Ordinal).ToList();
    }
}
