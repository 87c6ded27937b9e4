using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Reproduction.Experiments;

/// <summary>One row of the mechanism table: a measured quantity before and after the second stage, and how much of the coupling it accounts for.</summary>
/// <param name="AccountsFor">The share of the drop (or rise) this row explains, null for a row shown for context only.</param>
public sealed record MechanismRow(string Id, string What, double Before, double After, double? AccountsFor)
{
    public double Change => After - Before;
}

/// <summary>
/// The mechanism table: why the RL-then-SFT reward fell and why the SFT-then-RL loss rose, measured from the
/// <see cref="Diagnosis"/> of the checkpoints at the two ends of the second stage.
/// <para>RL-then-SFT, with D the change of robust mean@1 (RL prompt). Robust mean@1 = 2·(sampled accuracy) − 1 when a
/// completion without a label counts as wrong, so D = 2·Δ(sampled accuracy), split exactly into <b>forgetting</b>
/// (2·Δ greedy accuracy: the skill itself moved) and <b>calibration</b> (2·(Δ sampled − Δ greedy): the same argmax,
/// sampled less often). <b>Format</b> is the part of D that vanishes when the model is asked in the prompt format its
/// SFT data used; <b>thinking</b> is the part of D that vanishes when the SFT checkpoint answers after the thinking GRPO
/// wrote (<see cref="BorrowedThinking"/>), what SFT did to the text before the label; <b>no label</b> is what the change
/// in completions that never reach a label costs at the labelled accuracy of the RL checkpoint (−2·a·Δν); each
/// <b>rule</b> row is 2·(share of the rule in the test set)·Δ accuracy on it, and the rule rows add up to D.</para>
/// <para>SFT-then-RL, with R the change of the SFT-test cross-entropy: the template/think, label and end-token parts of
/// the CE are per-token shares of the same total, so their changes add up to R.</para>
/// </summary>
public static class Mechanisms
{
    public const string RlThenSft = "rl_then_sft_drop", SftThenRl = "sft_then_rl_rise";

    public static IReadOnlyList<MechanismRow> Drop(Diagnosis afterRl, Diagnosis afterSft)
    {
        double d = afterSft.RobustRl - afterRl.RobustRl;
        double? Share(double part) => Math.Abs(d) < 1e-12 ? null : part / d;
        var rows = new List<MechanismRow>
        {
            new("robust", "robust mean@1, RL prompt (the drop D)", afterRl.RobustRl, afterSft.RobustRl, Share(d)),
            new("strict", "strict mean@1, RL prompt (needs a non-empty think)", afterRl.StrictRl, afterSft.StrictRl, null),
            new("label_only", "label-only mean@1, RL prompt (the label alone)", afterRl.LabelOnlyRl, afterSft.LabelOnlyRl, null),
            new("format", "robust mean@1 asked in the SFT data's prompt format (format: the part of D that vanishes there)",
                afterRl.RobustSftPrompt, afterSft.RobustSftPrompt, Share(d - (afterSft.RobustSftPrompt - afterRl.RobustSftPrompt))),
        };
        if (afterSft.RobustRlAfterStartThinking is { } borrowed)
            rows.Add(new("thinking", "robust mean@1, RL prompt, answering after the thinking GRPO wrote (thinking: the part of D that vanishes there)",
                afterRl.RobustRl, borrowed, Share(d - (borrowed - afterRl.RobustRl))));
        rows.AddRange(
        [
            new("no_label", "completions that never reach a label", afterRl.NoLabelRate, afterSft.NoLabelRate,
                Share(-2 * afterRl.LabelledAccuracy * (afterSft.NoLabelRate - afterRl.NoLabelRate))),
            new("forgetting", "greedy accuracy (forgetting: the argmax itself moved)", afterRl.GreedyAccuracy, afterSft.GreedyAccuracy,
                Share(2 * (afterSft.GreedyAccuracy - afterRl.GreedyAccuracy))),
            new("calibration", "sampled accuracy at T 0.6 (calibration: sampled minus greedy change)", afterRl.SampledAccuracy, afterSft.SampledAccuracy,
                Share(2 * ((afterSft.SampledAccuracy - afterRl.SampledAccuracy) - (afterSft.GreedyAccuracy - afterRl.GreedyAccuracy)))),
        ]);
        foreach (var rule in afterRl.RuleShare.Keys.Order(StringComparer.Ordinal))
        {
            double share = afterRl.RuleShare[rule];
            double before = afterRl.TestAccuracyByRule.GetValueOrDefault(rule), after = afterSft.TestAccuracyByRule.GetValueOrDefault(rule);
            rows.Add(new($"rule:{rule}", $"held-out accuracy on {rule} ({share:P0} of the test set)", before, after, Share(2 * share * (after - before))));
            rows.Add(new($"train_rule:{rule}", $"training-sentence accuracy on {rule} (generalisation vs forgetting)",
                afterRl.TrainAccuracyByRule.GetValueOrDefault(rule), afterSft.TrainAccuracyByRule.GetValueOrDefault(rule), null));
        }
        return rows;
    }

    public static IReadOnlyList<MechanismRow> Rise(Diagnosis afterSft, Diagnosis afterRl)
    {
        double r = afterRl.Ce.Total - afterSft.Ce.Total;
        double? Share(double part) => Math.Abs(r) < 1e-12 ? null : part / r;
        return
        [
            new("ce", "SFT-test cross-entropy (the rise R)", afterSft.Ce.Total, afterRl.Ce.Total, Share(r)),
            new("ce_template", "template and think tokens", afterSft.Ce.Template, afterRl.Ce.Template, Share(afterRl.Ce.Template - afterSft.Ce.Template)),
            new("ce_label", "label token(s)", afterSft.Ce.Label, afterRl.Ce.Label, Share(afterRl.Ce.Label - afterSft.Ce.Label)),
            new("ce_end", "end token <|im_end|>", afterSft.Ce.End, afterRl.Ce.End, Share(afterRl.Ce.End - afterSft.Ce.End)),
        ];
    }

    public static JsonArray ToJson(IEnumerable<MechanismRow> rows) => new(rows.Select(r => (JsonNode)new JsonObject
    {
        ["id"] = r.Id, ["what"] = r.What, ["before"] = r.Before, ["after"] = r.After, ["change"] = r.Change, ["accounts_for"] = r.AccountsFor,
    }).ToArray());

    public static IReadOnlyList<MechanismRow> FromJson(JsonArray rows) => rows.OfType<JsonObject>().Select(r => new MechanismRow(
        r["id"]!.GetValue<string>(), r["what"]!.GetValue<string>(), r["before"]?.GetValue<double>() ?? double.NaN, r["after"]?.GetValue<double>() ?? double.NaN,
        r["accounts_for"]?.GetValue<double>())).ToList();

    /// <summary>
    /// The report's testbed and mechanism sections: per seed, whether each stage did its own job (the base's latent skill,
    /// RL's gain, what SFT taught), then why each coupling happened, row by row.
    /// </summary>
    public static string ReportSection(JsonObject mechanisms)
    {
        var inv = CultureInfo.InvariantCulture;
        var seeds = (mechanisms["per_seed"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (seeds.Count == 0) return "";
        var md = new StringBuilder("## The testbed: does each stage learn?\n\n");
        md.AppendLine("| seed | base greedy accuracy | base sampled accuracy (T 0.6) | base label AUC | RL gain (robust mean@1) | SFT label CE (nats) | greedy accuracy, SFT prompt: base → after SFT | drop after SFT (RL-then-SFT) | CE rise after GRPO (SFT-then-RL) |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var s in seeds)
        {
            var t = s["testbed"]!.AsObject();
            double V(string k) => t[k]?.GetValue<double>() ?? double.NaN;             // null: not a number (JSON has no NaN)
            md.AppendLine(string.Create(inv, $"| {s["seed"]} | {V("base_greedy_accuracy"):P1} | {V("base_sampled_accuracy"):P1} | {V("base_label_auc"):F3} | {V("rl_gain_mean1_robust"):+0.000;-0.000} | {V("sft_label_ce"):F3} | {V("base_greedy_accuracy_sft_prompt"):P1} → {V("sft_greedy_accuracy_sft_prompt"):P1} | {WithInterval(t, "sft_drop_mean1_robust")} | {WithInterval(t, "grpo_ce_rise")} |"));
        }
        if (seeds.Any(s => s["testbed"]?["grpo_ce_rise_ci95"] is JsonArray))
            md.AppendLine().AppendLine("The two couplings are measured between the mechanism table's checkpoints, with their 95% interval over the test items (paired: the same prompts or examples before and after).");
        double prior = seeds[0]["testbed"]?["sft_label_prior_entropy"]?.GetValue<double>() ?? double.NaN;
        if (!double.IsNaN(prior)) md.AppendLine().AppendLine(string.Create(inv, $"The entropy of the SFT test labels' prior is {prior:F3} nats (the label CE of a model that knows only how often each label occurs); an SFT that teaches the grammar, not only the format, brings the label CE well below it."));
        md.AppendLine().AppendLine("Each stage's bar, seed by seed (a coupling measured on a stage below its bar says little):").AppendLine();
        md.AppendLine("| bar | seeds that clear it | seeds that do not (measured) |").AppendLine("|---|---|---|");
        foreach (var bar in TestbedBar.All)
        {
            var failing = seeds.Where(s => !bar.Holds(s["testbed"]!.AsObject())).ToList();
            md.AppendLine(string.Create(inv, $"| {bar.Statement} | {seeds.Count - failing.Count} of {seeds.Count} | {(failing.Count == 0 ? "—" : string.Join(", ", failing.Select(s => $"{s["seed"]} ({bar.Shown(s["testbed"]!.AsObject())})")))} |"));
        }
        md.AppendLine();
        md.AppendLine("## Why: the mechanism table").AppendLine();
        md.AppendLine("RL-then-SFT, the drop of robust mean@1 across SFT (before: end of GRPO; after: end of SFT). Forgetting + calibration = 100%; the held-out rule rows add up to 100%; format is the part of the drop that vanishes when asked in the SFT data's prompt format; thinking is the part that vanishes when the SFT checkpoint answers after the thinking GRPO wrote (what SFT did to the text before the label, not to the label).").AppendLine();
        md.AppendLine(Markdown(seeds.Select(s => FromJson(s[RlThenSft]!.AsArray())).ToList()));
        md.AppendLine("SFT-then-RL, the rise of the SFT-test cross-entropy across GRPO (before: end of SFT; after: end of GRPO), split by token role (the parts add up to the total).").AppendLine();
        md.AppendLine(Markdown(seeds.Select(s => FromJson(s[SftThenRl]!.AsArray())).ToList()));
        return md.ToString();
    }

    private static string WithInterval(JsonObject testbed, string key) =>
        PairedChange.Shown(testbed[key]?.GetValue<double>() ?? double.NaN, testbed[$"{key}_ci95"]);

    /// <summary>
    /// One seed's own evidence for a coupling: its change between the two checkpoints of the mechanism table, with the
    /// 95% interval over the test items (<see cref="PairedChange"/>); null when the run recorded none (written before).
    /// </summary>
    public static PairedChange? SeedEvidence(JsonObject mechanisms, string coupling, int seed)
    {
        var key = coupling switch
        {
            RlThenSft => "sft_drop_mean1_robust",
            SftThenRl => "grpo_ce_rise",
            _ => throw new ArgumentOutOfRangeException(nameof(coupling), coupling, $"{RlThenSft} or {SftThenRl}"),
        };
        var testbed = (mechanisms["per_seed"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(s => s["seed"]?.GetValue<int>() == seed)?["testbed"];
        return testbed?[key]?.GetValue<double>() is { } change ? PairedChange.Read(change, testbed[$"{key}_ci95"]) : null;
    }

    /// <summary>
    /// Why a coupling did not appear in one seed, in measured numbers from its checkpoints (null when the run has none
    /// for that seed). RL-then-SFT: the RL-prompt greedy and sampled accuracy at the base, the end of GRPO and the end of
    /// SFT; when SFT raised the greedy accuracy, GRPO had not reached the local maximiser of the reward that Theorem 4.1's
    /// proof starts from, so SFT had nothing sharper to pull back. SFT-then-RL: the label token's and the template's CE
    /// and the RL-prompt sampled accuracy at the two ends of GRPO.
    /// </summary>
    public static string? WhyAbsent(JsonObject mechanisms, string coupling, int seed)
    {
        var inv = CultureInfo.InvariantCulture;
        var entry = (mechanisms["per_seed"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(s => s["seed"]?.GetValue<int>() == seed);
        if (entry?["checkpoints"] is not JsonObject checkpoints) return null;
        double? At(string checkpoint, string key) => checkpoints[checkpoint]?[key]?.GetValue<double>();
        double? Ce(string checkpoint, string role) => checkpoints[checkpoint]?["sft_ce_by_role"]?[role]?.GetValue<double>();
        if (coupling == RlThenSft)
        {
            if (At("base", "greedy_accuracy") is not { } g0 || At("rl_then_sft/after_grpo", "greedy_accuracy") is not { } g1 || At("rl_then_sft/after_sft", "greedy_accuracy") is not { } g2
                || At("base", "sampled_accuracy") is not { } s0 || At("rl_then_sft/after_grpo", "sampled_accuracy") is not { } s1 || At("rl_then_sft/after_sft", "sampled_accuracy") is not { } s2)
                return null;
            var why = string.Create(inv, $"in seed {seed} the RL-prompt greedy accuracy went {g0:P1} (base) → {g1:P1} (end of GRPO) → {g2:P1} (end of SFT), the sampled accuracy {s0:P1} → {s1:P1} → {s2:P1}");
            if (g2 > g1)
                why += (g1 < g0 ? "; GRPO raised the sampled reward while its argmax fell below the base's on some sentences, and SFT" : "; SFT")
                     + " taught the grammar better than GRPO had left it, so there was no sharper policy for SFT to pull back (Theorem 4.1's proof starts from a local maximiser of the reward)";
            return why;
        }
        if (coupling == SftThenRl)
        {
            if (Ce("sft_then_rl/after_sft", "label") is not { } l1 || Ce("sft_then_rl/after_grpo", "label") is not { } l2
                || At("sft_then_rl/after_sft", "sampled_accuracy") is not { } s1 || At("sft_then_rl/after_grpo", "sampled_accuracy") is not { } s2)
                return null;
            return string.Create(inv, $"in seed {seed} the label token's CE went {l1:F3} → {l2:F3} nats across GRPO, the template and think tokens' {Ce("sft_then_rl/after_sft", "template") ?? double.NaN:F3} → {Ce("sft_then_rl/after_grpo", "template") ?? double.NaN:F3}, the RL-prompt sampled accuracy {s1:P1} → {s2:P1}");
        }
        throw new ArgumentOutOfRangeException(nameof(coupling), coupling, $"{RlThenSft} or {SftThenRl}");
    }

    /// <summary>
    /// The seed-mean table of one coupling (rows in the order of the first seed) as markdown. The first row is the coupling
    /// itself; a row's share over seeds is the sum of its parts over the sum of the couplings (a ratio of means, so a seed
    /// where nothing moved does not blow it up), and a seed whose coupling is under <paramref name="noise"/> shows no share.
    /// </summary>
    public static string Markdown(IReadOnlyList<IReadOnlyList<MechanismRow>> perSeed, double noise = 0.02)
    {
        var inv = CultureInfo.InvariantCulture;
        const string Signed = "+0.000;-0.000;0.000";
        var totals = perSeed.Select(rows => rows[0].Change).ToList();
        var md = new StringBuilder("| row | before | after | change | accounts for (over seeds) | per seed |\n|---|---|---|---|---|---|\n");
        foreach (var first in perSeed[0])
        {
            var same = perSeed.Select(rows => rows.FirstOrDefault(r => r.Id == first.Id)).ToList();
            var present = same.Where(r => r is not null).Select(r => r!).ToList();
            bool shared = present.Any(r => r.AccountsFor is not null);
            double parts = same.Select((r, i) => r?.AccountsFor is { } a ? a * totals[i] : 0).Sum();
            string share = !shared || Math.Abs(totals.Sum()) < noise ? "—" : (parts / totals.Sum()).ToString("P0", inv);
            var cells = same.Select((r, i) => r is null ? "·" : r.AccountsFor is { } a && Math.Abs(totals[i]) >= noise ? a.ToString("P0", inv)
                : r.AccountsFor is not null ? "(none)" : r.Change.ToString(Signed, inv));
            md.Append(inv, $"| {first.What} | {present.Average(r => r.Before):F3} | {present.Average(r => r.After):F3} | {present.Average(r => r.Change).ToString(Signed, inv)} | {share} | ");
            md.Append(string.Join(", ", cells)).AppendLine(" |");
        }
        return md.ToString();
    }
}
