using System.Globalization;
using System.Text;

namespace Reproduction.Reporting;

/// <summary>
/// `report.md`: for each pipeline, in plain words, whether the degradation the paper predicts was observed,
/// by how much (seed mean with 95% CI), next to what the paper reported; then the key points, the open
/// decisions taken, and the environment.
/// </summary>
public static class ReportMarkdown
{
    public const string FileName = "report.md";

    /// <summary>
    /// A seed is named as one where a coupling was not seen when its paired 95% interval over the test items does not lie
    /// on the predicted side of zero; for a run folder written before those intervals were recorded, when its curve moved
    /// the metric by less than this in the predicted direction.
    /// </summary>
    public const double AbsentBelow = 0.02;

    private static readonly Dictionary<string, string> PaperSays = new()
    {
        ["sft-then-rl-ce-rises"] = "the paper (§5.1, Fig. 3a) reports that the SFT loss \"increases abruptly\" once GRPO starts and ends above the base model's; its values are not given in the text",
        ["rl-then-sft-reward-drops"] = "the paper (§5.2, Fig. 3b) reports robust mean@1 0.385 for the base model and 0.343 at the end of RL-then-SFT (below base)",
    };

    public static string Render(RunReport run)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine($"# Repro study: preset `{run.Preset}`, seeds {string.Join(", ", run.Seeds)}").AppendLine();
        if (run.Environment["dry_run"]?.GetValue<string>() is { } dryRun)
            md.AppendLine($"**Dry run**: {dryRun}. The curves and verdicts below come from random weights and say nothing about the paper.").AppendLine();
        md.AppendLine("Confidence intervals are two-sided 95% Student-t intervals over seeds (none for a single seed).").AppendLine();
        md.AppendLine("## Did the predicted degradation appear?").AppendLine();
        foreach (var claim in PaperClaim.All)
        {
            if (run.Pipelines.All(p => p.Id != claim.Pipeline)) continue;
            var (change, holds) = claim.Evaluate(run);
            var p = run.Pipeline(claim.Pipeline);
            var endOfStage1 = CurveStatistics.AtKeyPoint(p, claim.Metric, CurveStatistics.KeyPoint.EndOfStage1);
            var end = CurveStatistics.AtKeyPoint(p, claim.Metric, CurveStatistics.KeyPoint.EndOfStage2);
            var baseline = CurveStatistics.AtKeyPoint(p, claim.Metric, CurveStatistics.KeyPoint.Base);
            bool ciExcludesZero = change.N > 1 && (claim.ExpectIncrease ? change.Low > 0 : change.High < 0);
            var missing = StageEffect.MissingFor(run, claim.Pipeline);
            string verdict = missing.Count > 0
                ? $"**{char.ToUpperInvariant(missing[0].Missing[0])}{missing[0].Missing[1..]}.**{string.Concat(missing.Skip(1).Select(m => $" Also {m.Missing}."))} Whatever the coupling below shows, it was measured on a stage that did not do its own job."
                : holds
                    ? ciExcludesZero || change.N == 1 ? "**Observed.**" : "**Observed in the mean, but the 95% CI includes no change.**"
                    : "**Not observed.**";
            md.AppendLine($"### {p.Title}").AppendLine();
            md.AppendLine($"{verdict} {claim.Statement}: `{claim.Metric}` went from {endOfStage1} at the end of {p.Stages[0].Name} " +
                          $"to {end} at the end of {p.Stages[^1].Name} (change {change.ToString()}, per seed: " +
                          $"{string.Join(", ", p.CurvesOf(claim.Metric).Select(c => (CurveStatistics.At(c, p.Boundary, CurveStatistics.KeyPoint.EndOfStage2) - CurveStatistics.At(c, p.Boundary, CurveStatistics.KeyPoint.EndOfStage1)).ToString("+0.000;-0.000", inv)))}). " +
                          $"The base model's value is {baseline}; the final value is {(claim.ExpectIncrease ? end.Mean > baseline.Mean ? "above" : "not above" : end.Mean < baseline.Mean ? "below" : "not below")} it.");
            var coupling = claim.Pipeline == PaperClaim.RlThenSft ? Experiments.Mechanisms.RlThenSft : Experiments.Mechanisms.SftThenRl;
            var seeds = p.CurvesOf(claim.Metric).Select(c => (c.Seed,
                Curve: CurveStatistics.At(c, p.Boundary, CurveStatistics.KeyPoint.EndOfStage2) - CurveStatistics.At(c, p.Boundary, CurveStatistics.KeyPoint.EndOfStage1),
                Paired: run.Mechanisms is { } mech ? Experiments.Mechanisms.SeedEvidence(mech, coupling, c.Seed) : null)).ToList();
            bool paired = seeds.All(x => x.Paired is not null);
            var absent = paired
                ? seeds.Where(x => !x.Paired!.Excludes0Towards(claim.ExpectIncrease)).Select(x => (x.Seed, Shown: x.Paired!.ToString())).ToList()
                : seeds.Where(x => (claim.ExpectIncrease ? x.Curve : -x.Curve) < AbsentBelow).Select(x => (x.Seed, Shown: x.Curve.ToString("+0.000;-0.000", inv))).ToList();
            if (paired)
                md.AppendLine().AppendLine("Seed by seed, between the mechanism table's two checkpoints, with the 95% interval over the test items (paired): " +
                    $"{string.Join(", ", seeds.Select(x => $"seed {x.Seed} {x.Paired}"))}; on the predicted side of zero in {seeds.Count - absent.Count} of {seeds.Count} seed{(seeds.Count > 1 ? "s" : "")}.");
            if (absent.Count > 0)
            {
                var whys = run.Mechanisms is { } m ? absent.Select(x => Experiments.Mechanisms.WhyAbsent(m, coupling, x.Seed)).OfType<string>().ToList() : [];
                md.AppendLine().AppendLine($"Not seen in seed{(absent.Count > 1 ? "s" : "")} {string.Join(", ", absent.Select(x => $"{x.Seed} ({x.Shown})"))}: " +
                    "a finding, not noise to tune away." + string.Concat(whys.Select(w => $" {char.ToUpperInvariant(w[0])}{w[1..]}.")) +
                    " The mechanism table below has every row per seed.");
            }
            md.AppendLine().AppendLine($"For comparison, {PaperSays[claim.Id]}.").AppendLine();
        }

        md.AppendLine("## Each stage's own effect (checked before a coupling is claimed)").AppendLine();
        md.AppendLine("| effect | pipeline | change (mean ± 95% CI) | per seed | holds in every seed |").AppendLine("|---|---|---|---|---|");
        foreach (var effect in StageEffect.All)
        {
            if (!run.Pipelines.Any(p => p.Id == effect.Pipeline && p.CurvesOf(effect.Metric).Count > 0)) continue;
            var (change, perSeed, holds) = effect.Evaluate(run);
            md.AppendLine($"| {effect.Statement} | {effect.Pipeline} | {change} | {string.Join(", ", perSeed.Select(d => d.ToString("+0.000;-0.000", inv)))} | {(holds ? "yes" : "**no**: " + effect.Missing)} |");
        }
        md.AppendLine();
        if (run.Mechanisms is { } mechanisms) md.AppendLine(Experiments.Mechanisms.ReportSection(mechanisms));
        md.AppendLine("## Key points").AppendLine();
        md.AppendLine("| pipeline | metric | base | end of stage 1 | end of stage 2 |").AppendLine("|---|---|---|---|---|");
        foreach (var p in run.Pipelines)
            foreach (var metric in p.Metrics.Order(StringComparer.Ordinal))
                md.AppendLine($"| {p.Id} | {metric} | {CurveStatistics.AtKeyPoint(p, metric, CurveStatistics.KeyPoint.Base)} | " +
                              $"{CurveStatistics.AtKeyPoint(p, metric, CurveStatistics.KeyPoint.EndOfStage1)} | {CurveStatistics.AtKeyPoint(p, metric, CurveStatistics.KeyPoint.EndOfStage2)} |");
        md.AppendLine();
        if (run.Decisions.Count > 0)
        {
            md.AppendLine("## Open decisions of the paper, as taken by this preset").AppendLine();
            foreach (var (k, v) in run.Decisions.OrderBy(kv => kv.Key, StringComparer.Ordinal)) md.AppendLine($"- **{k}**: {v}");
            md.AppendLine();
        }
        md.AppendLine("## Figures").AppendLine();
        md.AppendLine($"![Fig. 3a]({Figure3.FileA})").AppendLine().AppendLine($"![Fig. 3b]({Figure3.FileB})").AppendLine();
        md.AppendLine("## Environment").AppendLine().AppendLine("```json").AppendLine(run.Environment.ToJsonString(RunReport.Json)).AppendLine("```");
        return md.ToString();
    }

    public static string Write(RunReport run, string dir)
    {
        var path = Path.Combine(dir, FileName);
        IO.AtomicFile.WriteAllText(path, Render(run));
        return path;
    }
}
