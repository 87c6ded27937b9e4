using System.Text.RegularExpressions;

namespace Reproduction.Experiments.Verl;

/// <summary>
/// Which of verl's tracked metrics become which of our curves:
/// <list type="bullet">
/// <item><c>val/loss</c> (fsdp_sft_trainer's validation loss on the SFT test split, and eval_checkpoints.sh's) → <c>sft_test_ce</c>;</item>
/// <item><c>val-aux/&lt;source&gt;/&lt;reward&gt;/mean@1</c> for the extra keys our reward module returns
/// (strict, strict_fixed, robust, label_only; ray_trainer.py <c>_validate</c> logs every extra key so) → <c>mean1_&lt;reward&gt;</c>;</item>
/// <item><c>val-core/&lt;source&gt;/reward/mean@1</c>, verl's core validation metric (the training reward) → <c>mean1_&lt;training reward&gt;</c>.</item>
/// </list>
/// Validation with n &gt; 1 samples logs mean@n; only mean@1 (the paper's metric) is read.
/// </summary>
public static class VerlMetrics
{
    public const string Ce = StudyRunner.CeMetric;

    /// <summary>Our reward module's names → our metric names.</summary>
    public static IReadOnlyDictionary<string, string> Rewards { get; } = new Dictionary<string, string>
    {
        ["strict"] = StudyRunner.StrictMetric, ["robust"] = StudyRunner.RobustMetric,
        ["strict_fixed"] = "mean1_strict_fixed", ["label_only"] = "mean1_label_only",
    };

    private static readonly Regex Validation = new(@"^val-(?<sec>core|aux)/(?<source>[^/]+)/(?<var>[^/]+)/mean@1$", RegexOptions.CultureInvariant);

    /// <summary>True for a key that a run's curves are built from (its value must then be a number).</summary>
    public static bool IsTracked(string key) => key == "val/loss" || Validation.IsMatch(key);

    /// <summary>Our metric for a verl key, or null when it is not one we track.</summary>
    public static string? MetricOf(string key, string trainReward, string dataSource)
    {
        if (key == "val/loss") return Ce;
        var m = Validation.Match(key);
        if (!m.Success || m.Groups["source"].Value != dataSource) return null;
        var name = m.Groups["var"].Value;
        if (m.Groups["sec"].Value == "core") return name == "reward" ? Rewards[trainReward] : null;
        return Rewards.GetValueOrDefault(name);
    }
}
