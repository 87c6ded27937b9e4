using System.Text.Json.Nodes;

namespace Reproduction.Experiments;

/// <summary>
/// A bar each stage of the CPU testbed must clear for a coupling on it to mean anything (a base with a latent skill
/// whose samples leave RL something to harvest, RL that raises the reward, SFT that teaches the grammar and keeps what
/// the base knew), checked per seed on the report's testbed block (<c>mechanisms.per_seed[].testbed</c>).
/// </summary>
/// <param name="Value">The measured quantity the bar is about, from the testbed block (NaN when a key is missing).</param>
/// <param name="Bound">The bar for that seed (the same for every seed but the label CE's, which scales with the seed's label prior entropy).</param>
/// <param name="AtMost">Whether the value must stay at or under the bound (else reach it).</param>
/// <param name="IntervalKey">For a value that is a change between two checkpoints, the testbed key of its paired 95% interval over the test items, shown beside a seed that misses the bar.</param>
public sealed record TestbedBar(string Id, string Statement, Func<JsonObject, double> Value, Func<JsonObject, double> Bound, bool AtMost = false, string? IntervalKey = null)
{
    public const double MinBaseGreedyAccuracy = 0.80, MinSamplingGap = 0.25, MinRlGain = 0.20, MaxLabelCeShareOfPrior = 0.8;

    /// <summary>Whether the seed clears the bar (false when a measurement is missing: NaN compares false).</summary>
    public bool Holds(JsonObject testbed) => AtMost ? Value(testbed) <= Bound(testbed) : Value(testbed) >= Bound(testbed);

    /// <summary>How a seed's value reads in the bar table: signed, with its paired interval when the bar has one and the seed recorded it.</summary>
    public string Shown(JsonObject testbed) => PairedChange.Shown(Value(testbed), IntervalKey is null ? null : testbed[IntervalKey]);

    private static double Get(JsonObject t, string key) => t[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : double.NaN;

    public static readonly IReadOnlyList<TestbedBar> All =
    [
        new("latent-skill", $"base greedy accuracy at least {MinBaseGreedyAccuracy:P0} (a latent skill)",
            t => Get(t, "base_greedy_accuracy"), _ => MinBaseGreedyAccuracy),
        new("unsure-samples", $"base robust mean@1 sampled at T 0.6 at least {MinSamplingGap:F2} below its greedy answers' (something for RL to harvest)",
            t => Get(t, "base_greedy_mean1_robust") - Get(t, "base_mean1_robust"), _ => MinSamplingGap),
        new("rl-gain", $"RL gain at least +{MinRlGain:F2} robust mean@1",
            t => Get(t, "rl_gain_mean1_robust"), _ => MinRlGain),
        new("sft-teaches", $"SFT label CE at most {MaxLabelCeShareOfPrior} × the label prior's entropy (SFT teaches the grammar, not only the format)",
            t => Get(t, "sft_label_ce"), t => MaxLabelCeShareOfPrior * Get(t, "sft_label_prior_entropy"), AtMost: true),
        new("sft-keeps", "SFT keeps or raises the base's greedy accuracy in the SFT prompt",
            t => Get(t, "sft_greedy_accuracy_sft_prompt") - Get(t, "base_greedy_accuracy_sft_prompt"), _ => 0,
            IntervalKey: "sft_greedy_accuracy_sft_prompt_change_ci95"),
    ];
}
