using System.Text.Json.Nodes;
using Reproduction.Reporting;
using Repro.Tests.IO;

namespace Repro.Tests.Reporting;

/// <summary>
/// `repro frontier --schedules` writes frontier.json, frontier.md and frontier.png from synthetic runs whose tiers,
/// Pareto set and measured statements are worked out by hand below.
/// </summary>
public sealed class ScheduleFrontierReportTests : IDisposable
{
    private readonly TempFolder _dir = new();
    public void Dispose() => _dir.Dispose();

    private static readonly int[] Seeds = [1, 2, 3];
    private static readonly ScheduleBudget Equal = new(100, 6400, 512);

    // Three seeds per schedule, robust mean@1 and SFT-test CE each a middle value ± 0.02 (chord-mu-0.9: ± 0.01).
    // A 95% bootstrap interval of three runs lies within [min, max] and reaches at least (2·min + mid)/3 below and
    // (2·max + mid)/3 above (each of those resampled means or beyond has probability 4/27 > 2.5%).
    //
    //   schedule       family     robust mean [range]   CE mean [range]
    //   base (ref)     base       0.21 [0.19, 0.23]     1.01 [0.99, 1.03]
    //   sft-then-rl    two-stage  0.42 [0.40, 0.44]     1.32 [1.30, 1.34]
    //   joint          joint      0.32 [0.30, 0.34]     1.00 [0.98, 1.02]
    //   luffy          luffy      0.43 [0.41, 0.45]     1.22 [1.20, 1.24]
    //   chord-mu-0.5   chord-mu   0.52 [0.50, 0.54]     1.07 [1.05, 1.09]
    //   chord-mu-0.9   chord-mu   0.37 [0.36, 0.38]     1.42 [1.40, 1.44]
    //
    // Tiers by robust mean@1 (references excluded), best first: chord-mu-0.5 opens tier 1; luffy [≤0.4167, …] is apart
    // from it (0.45 < 0.50) → opens tier 2; sft-then-rl reaches ≥ 0.4333 ≥ luffy's low end → tier 2; chord-mu-0.9
    // (≤ 0.38 < 0.41) → tier 3; joint (≤ 0.34 < 0.36) → tier 4.
    // Pareto on means (CE lower, robust higher): joint has the lowest CE → kept; chord-mu-0.5 has the highest robust →
    // kept; chord-mu-0.5 (1.07, 0.52) beats sft-then-rl, luffy and chord-mu-0.9 on both → not kept.
    // Dominance of sft-then-rl with intervals apart: chord-mu-0.5 (CE ≤ 1.09 < 1.30, robust ≥ 0.50 > 0.44) → yes;
    // luffy's robust interval overlaps sft-then-rl's → no; joint and chord-mu-0.9 are worse on one measure → no.
    // LUFFY's ordering: joint 0.32 < sft-then-rl 0.42 < luffy 0.43 → holds.
    private static List<ScheduleRun> SyntheticRuns(ScheduleBudget? luffyBudget = null) =>
    [
        .. Schedule("base", "base", [], 0.21, 0.02, 1.01, 0.02, new(0, 0, 0), reference: true),
        .. Schedule("sft-then-rl", "two-stage", [], 0.42, 0.02, 1.32, 0.02, Equal),
        .. Schedule("joint", "joint", [], 0.32, 0.02, 1.00, 0.02, Equal),
        .. Schedule("luffy", "luffy", [], 0.43, 0.02, 1.22, 0.02, luffyBudget ?? Equal),
        .. Schedule("chord-mu-0.5", "chord-mu", new() { ["mu_peak"] = "0.5" }, 0.52, 0.02, 1.07, 0.02, Equal),
        .. Schedule("chord-mu-0.9", "chord-mu", new() { ["mu_peak"] = "0.9" }, 0.37, 0.01, 1.42, 0.02, Equal),
    ];

    private static IEnumerable<ScheduleRun> Schedule(string name, string family, Dictionary<string, string> parameters, double robust, double robustSpread,
        double ce, double ceSpread, ScheduleBudget budget, bool reference = false) =>
        Seeds.Select((seed, k) => new ScheduleRun(name, family, parameters, seed,
            SftTestCe: ce + (k - 1) * ceSpread, Robust: robust + (k - 1) * robustSpread, Strict: robust - 0.05, GreedyAccuracy: 0.7,
            ForwardKl: 0.01 * (k + 1), WallSeconds: 100 + k, budget, reference));

    private static readonly string[] Compared = ["sft-then-rl", "joint", "luffy", "chord-mu-0.5", "chord-mu-0.9"];

    private JsonObject WriteAndRead(List<ScheduleRun> runs)
    {
        ScheduleFrontierReport.Write(ScheduleFrontierReport.Summarize(runs, seed: 4), runs, "synthetic", _dir.Path);
        return JsonNode.Parse(File.ReadAllText(_dir.File(ScheduleFrontierReport.JsonFile)))!.AsObject();
    }

    private static JsonObject ScheduleNamed(JsonObject json, string name) =>
        json["schedules"]!.AsArray().Single(s => (string)s!["schedule"]! == name)!.AsObject();

    [Fact]
    public void Frontier_json_holds_every_run_and_every_schedule_with_its_seeds_and_intervals()
    {
        var runs = SyntheticRuns();
        var json = WriteAndRead(runs);
        Assert.Equal("synthetic", (string)json["preset"]!);
        Assert.Equal(Seeds, json["seeds"]!.AsArray().Select(s => (int)s!));
        Assert.Equal(runs.Count, json["runs"]!.AsArray().Count);
        Assert.Equal(["base", .. Compared], json["schedules"]!.AsArray().Select(s => (string)s!["schedule"]!));
        var chord = ScheduleNamed(json, "chord-mu-0.5");
        Assert.Equal(Seeds, chord["seeds"]!.AsArray().Select(s => (int)s!));
        Assert.Equal("0.5", (string)chord["parameters"]!["mu_peak"]!);
        Assert.Equal(0.52, (double)chord["mean1_robust"]!["mean"]!, 12);
        Assert.Equal(3, (int)chord["mean1_robust"]!["n"]!);
        Assert.InRange((double)chord["sft_test_ce"]!["ci95_low"]!, 1.05, 1.07 - 0.02 / 3);
        Assert.True((bool)ScheduleNamed(json, "base")["reference"]!);
        Assert.Null(json["budget_check"]);
    }

    [Fact]
    public void Tiers_and_pareto_flags_are_the_ones_worked_out_by_hand_and_references_have_neither()
    {
        var json = WriteAndRead(SyntheticRuns());
        var expected = new Dictionary<string, (int Tier, bool Pareto)>
        {
            ["chord-mu-0.5"] = (1, true), ["luffy"] = (2, false), ["sft-then-rl"] = (2, false), ["chord-mu-0.9"] = (3, false), ["joint"] = (4, true),
        };
        foreach (var (name, (tier, pareto)) in expected)
        {
            var s = ScheduleNamed(json, name);
            Assert.Equal((tier, pareto), ((int)s["tier"]!, (bool)s["pareto"]!));
        }
        var reference = ScheduleNamed(json, "base");
        Assert.Null(reference["tier"]);
        Assert.Null(reference["pareto"]);
    }

    [Fact]
    public void Every_ordered_pair_of_compared_schedules_has_a_finite_probability_of_improvement_on_both_metrics()
    {
        var json = WriteAndRead(SyntheticRuns());
        var entries = json["probability_of_improvement"]!.AsArray().Select(e => e!.AsObject()).ToList();
        foreach (var a in Compared)
            foreach (var b in Compared.Where(b => b != a))
                foreach (var metric in new[] { "mean1_robust", "sft_test_ce" })
                {
                    var e = Assert.Single(entries, e => (string)e["a"]! == a && (string)e["b"]! == b && (string)e["metric"]! == metric);
                    var (mean, low, high) = ((double)e["mean"]!, (double)e["ci95_low"]!, (double)e["ci95_high"]!);
                    Assert.True(double.IsFinite(mean) && double.IsFinite(low) && double.IsFinite(high) && low <= mean && mean <= high, $"{a} vs {b} on {metric}: {mean} [{low}, {high}]");
                }
        Assert.Equal(Compared.Length * (Compared.Length - 1) * 2, entries.Count);
        Assert.DoesNotContain(entries, e => (string)e["a"]! == "base" || (string)e["b"]! == "base");
        // Every chord-mu-0.5 run has a higher robust mean@1 (≥ 0.50) and a lower CE (≤ 1.09) than every sft-then-rl run.
        Assert.Equal(1.0, (double)entries.Single(e => (string)e["a"]! == "chord-mu-0.5" && (string)e["b"]! == "sft-then-rl" && (string)e["metric"]! == "mean1_robust")["mean"]!);
        Assert.Equal(1.0, (double)entries.Single(e => (string)e["a"]! == "chord-mu-0.5" && (string)e["b"]! == "sft-then-rl" && (string)e["metric"]! == "sft_test_ce")["mean"]!);
        Assert.Equal(0.0, (double)entries.Single(e => (string)e["a"]! == "sft-then-rl" && (string)e["b"]! == "chord-mu-0.5" && (string)e["metric"]! == "sft_test_ce")["mean"]!);
    }

    [Fact]
    public void The_measured_statements_name_who_dominates_sft_then_rl_and_whether_luffys_ordering_holds()
    {
        var json = WriteAndRead(SyntheticRuns());
        Assert.Equal(["chord-mu-0.5"], json["dominates_sft_then_rl"]!.AsArray().Select(s => (string)s!));
        Assert.True((bool)json["luffy_ordering"]!["holds"]!);
        Assert.Equal("joint", (string)json["luffy_ordering"]!["joint"]!);
    }

    [Fact]
    public void A_luffy_below_sft_then_rl_breaks_the_ordering_and_the_text_names_the_failing_inequality()
    {
        var runs = SyntheticRuns().Select(r => r.Schedule == "luffy" ? r with { Robust = r.Robust - 0.05 } : r).ToList();
        var ordering = ScheduleFrontierReport.Summarize(runs).LuffyOrdering;
        Assert.NotNull(ordering);
        Assert.False(ordering.Holds);
        Assert.Contains("sft-then-rl (0.420) is not below luffy (0.380)", ordering.Text);
        Assert.DoesNotContain("joint", ordering.Text);
    }

    [Fact]
    public void Without_sft_then_rl_neither_statement_is_made()
    {
        var summary = ScheduleFrontierReport.Summarize(SyntheticRuns().Where(r => r.Schedule != "sft-then-rl").ToList());
        Assert.Null(summary.DominatesSftThenRl);
        Assert.Null(summary.LuffyOrdering);
    }

    [Fact]
    public void Markdown_names_every_schedule_marks_the_pareto_set_and_lists_references_after_the_ranking()
    {
        WriteAndRead(SyntheticRuns());
        var md = File.ReadAllText(_dir.File(ScheduleFrontierReport.MarkdownFile));
        foreach (var name in Compared) Assert.Contains($" {name} ", md);
        Assert.Contains("| 1 | ★ chord-mu-0.5 |", md);
        Assert.Contains("| 4 | ★ joint |", md);
        Assert.Contains("| 2 | luffy |", md);
        Assert.Equal(2, md.Split('\n').Count(line => line.StartsWith("| ", StringComparison.Ordinal) && line.Contains('★')));
        Assert.True(md.IndexOf("| reference | base (reference) |", StringComparison.Ordinal) > md.IndexOf("| 4 | ★ joint |", StringComparison.Ordinal));
        Assert.Contains("budgets match within 5%: steps 100, completions 6400", md);
        Assert.Contains("chord-mu-0.5 dominates sft-then-rl", md);
        Assert.Contains("holds here by mean", md);
        Assert.Contains("| chord-mu-0.5 | 1.00 |", md);                                 // P(chord-mu-0.5 > sft-then-rl), first column
    }

    [Fact]
    public void Figure_is_written_and_not_empty()
    {
        WriteAndRead(SyntheticRuns());
        var png = new FileInfo(_dir.File(ScheduleFrontierReport.PngFile));
        Assert.True(png.Exists);
        Assert.True(png.Length > 0);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp*"));
    }

    [Fact]
    public void A_budget_mismatch_is_stated_and_nothing_is_ranked_compared_or_drawn()
    {
        // luffy sampled 7000 completions against 6400: 600 > 0.05 · 7000 = 350.
        var json = WriteAndRead(SyntheticRuns(luffyBudget: new(100, 7000, 512)));
        var message = (string?)json["budget_check"];
        Assert.NotNull(message);
        Assert.Contains("luffy", message);
        Assert.Contains("7000", message);
        Assert.Contains("6400", message);
        var md = File.ReadAllText(_dir.File(ScheduleFrontierReport.MarkdownFile));
        Assert.Contains("Not compared: the budgets differ", md);
        Assert.Contains(message, md);
        Assert.DoesNotContain("budgets match", md);
        // Unequal budgets are not ranked, tested against each other or drawn: no tiers, no Pareto set, no PoI, no figure.
        Assert.All(json["schedules"]!.AsArray(), s => Assert.Null(s!["tier"]));
        Assert.Empty(json["probability_of_improvement"]!.AsArray());
        Assert.DoesNotContain("★", md);
        Assert.False(File.Exists(_dir.File(ScheduleFrontierReport.PngFile)));
    }

    [Fact]
    public void A_sweep_is_ordered_by_the_numeric_value_of_the_parameter_that_varies()
    {
        // "10" sorts before "2" as text; the sweep is 0.5, 2, 10. The "kind" key does not vary, so it does not order.
        var members = new[] { "10", "0.5", "2" }.Select(mu => ScheduleFrontierReport.Summarize(
            Schedule($"chord-mu-{mu}", "chord-mu", new() { ["kind"] = "a", ["mu_peak"] = mu }, 0.4, 0.01, 1.2, 0.01, Equal).ToList()).Schedules[0]).ToList();
        Assert.Equal(["chord-mu-0.5", "chord-mu-2", "chord-mu-10"], ScheduleFrontierReport.Sweep(members).Select(s => s.Schedule));
        Assert.Empty(ScheduleFrontierReport.Sweep([members[0], members[0] with { Schedule = "twin" }]));
    }
}
