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
/// SFT data used; <b>no label</b> is what the change in completions that never reach a label costs at the labelled
/// accuracy of the RL checkpoint (−2·a·Δν); each <b>rule</b> row is 2·(share of the rule in the test set)·Δ accuracy on it,
/// and the rule rows add up to D.</para>
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
            new("no_label", "completions that never reach a label", afterRl.NoLabelRate, afterSft.NoLabelRate,
                Share(-2 * afterRl.LabelledAccuracy * (afterSft.NoLabelRate - afterRl.NoLabelRate))),
            new("forgetting", "greedy accuracy (forgetting: the argmax itself moved)", afterRl.GreedyAccuracy, afterSft.GreedyAccuracy,
                Share(2 * (afterSft.GreedyAccuracy - afterRl.GreedyAccuracy))),
            new("calibration", "sampled accuracy at T 0.6 (calibration: sampled minus greedy change)", afterRl.SampledAccuracy, afterSft.SampledAccuracy,
                Share(2 * ((afterSft.SampledAccuracy - afterRl.SampledAccuracy) - (afterSft.GreedyAccuracy - afterRl.GreedyAccuracy)))),
        };
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

    /// <summary>The seed-mean table of one coupling (rows in the order of the first seed) as markdown.</summary>
    public static string Markdown(IReadOnlyList<IReadOnlyList<MechanismRow>> perSeed)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder("| row | before | after | change | accounts for (mean over seeds) | per seed |\n|---|---|---|---|---|---|\n");
        foreach (var first in perSeed[0])
        {
            var same = perSeed.Select(rows => rows.FirstOrDefault(r => r.Id == first.Id)).Where(r => r is not null).Select(r => r!).ToList();
            var shares = same.Where(r => r.AccountsFor is not null).Select(r => r.AccountsFor!.Value).ToList();
            md.Append(inv, $"| {first.What} | {same.Average(r => r.Before):F3} | {same.Average(r => r.After):F3} | {same.Average(r => r.Change):+0.000;-0.000} | ");
            md.Append(shares.Count == 0 ? "—" : shares.Average().ToString("P0", inv));
            md.Append(" | ").Append(string.Join(", ", same.Select(r => r.AccountsFor is { } a ? a.ToString("P0", inv) : r.Change.ToString("+0.000;-0.000", inv)))).AppendLine(" |");
        }
        return md.ToString();
    }
}
