using System.Text.Json.Nodes;
using Reproduction.Experiments;

namespace Repro.Tests.Study;

/// <summary>
/// Each stage of the testbed has a bar (issue 18's thresholds): a base with a latent skill (greedy accuracy ≥ 80%) whose
/// samples leave RL ≥ 0.25 robust mean@1 to harvest, RL that gains ≥ +0.20, SFT whose label CE is ≤ 0.8 × the label
/// prior's entropy and which keeps the base's greedy accuracy. The report lists, per bar, the seeds that miss it.
/// </summary>
public sealed class TestbedBarTests
{
    /// <summary>Seed 1 of the default study: clears every bar.</summary>
    private static JsonObject Cleared() => new()
    {
        ["base_greedy_accuracy"] = 0.88, ["base_mean1_robust"] = 0.32, ["base_greedy_mean1_robust"] = 0.76, ["rl_gain_mean1_robust"] = 0.513,
        ["sft_label_ce"] = 0.401, ["sft_label_prior_entropy"] = 0.643, ["base_greedy_accuracy_sft_prompt"] = 0.847, ["sft_greedy_accuracy_sft_prompt"] = 0.95,
    };

    private static JsonObject With(string key, double value) { var t = Cleared(); t[key] = value; return t; }

    private static IEnumerable<string> Missed(JsonObject testbed) => TestbedBar.All.Where(b => !b.Holds(testbed)).Select(b => b.Id);

    [Fact]
    public void A_seed_of_the_default_study_clears_every_bar() => Assert.Empty(Missed(Cleared()));

    [Theory]
    [InlineData("base_greedy_accuracy", 0.79, "latent-skill")]
    [InlineData("base_mean1_robust", 0.52, "unsure-samples")]
    [InlineData("rl_gain_mean1_robust", 0.19, "rl-gain")]
    [InlineData("sft_label_ce", 0.52, "sft-teaches")]
    [InlineData("sft_greedy_accuracy_sft_prompt", 0.84, "sft-keeps")]
    public void Each_bar_is_missed_just_past_its_threshold_and_only_that_bar(string key, double value, string bar) =>
        Assert.Equal([bar], Missed(With(key, value)));

    [Theory]
    [InlineData("base_greedy_accuracy", 0.80)]
    [InlineData("base_mean1_robust", 0.51)]
    [InlineData("rl_gain_mean1_robust", 0.20)]
    [InlineData("sft_label_ce", 0.514)]
    [InlineData("sft_greedy_accuracy_sft_prompt", 0.847)]
    public void Each_bar_is_cleared_at_its_threshold(string key, double value) => Assert.Empty(Missed(With(key, value)));

    [Fact]
    public void A_missing_measurement_misses_its_bar()
    {
        var t = Cleared();
        t.Remove("rl_gain_mean1_robust");
        Assert.Equal(["rl-gain"], Missed(t));
    }

    [Fact]
    public void The_report_lists_per_bar_how_many_seeds_clear_it_and_which_do_not_with_the_measured_value()
    {
        JsonObject Seed(int seed, JsonObject testbed) => new()
        {
            ["seed"] = seed, ["testbed"] = testbed,
            [Mechanisms.RlThenSft] = Mechanisms.ToJson([new MechanismRow("robust", "robust mean@1", 0.9, 0.5, 1)]),
            [Mechanisms.SftThenRl] = Mechanisms.ToJson([new MechanismRow("ce", "SFT-test CE", 0.06, 0.1, 1)]),
        };
        var md = Mechanisms.ReportSection(new JsonObject { ["per_seed"] = new JsonArray(Seed(3, Cleared()), Seed(15, With("sft_greedy_accuracy_sft_prompt", 0.81))) });
        Assert.Contains("| SFT keeps or raises the base's greedy accuracy in the SFT prompt | 1 of 2 | 15 (-0.037) |", md);
        Assert.Contains("| RL gain at least +0.20 robust mean@1 | 2 of 2 | — |", md);
    }

    [Fact]
    public void A_seed_that_misses_the_SFT_keeps_bar_is_shown_with_the_paired_interval_of_its_fall()
    {
        var t = With("sft_greedy_accuracy_sft_prompt", 0.84);
        t["sft_greedy_accuracy_sft_prompt_change_ci95"] = new JsonArray(-0.016, 0.002);
        var keeps = TestbedBar.All.Single(b => b.Id == "sft-keeps");
        Assert.False(keeps.Holds(t));                                                  // the bar is the point value; the interval is for the reader
        Assert.Equal("-0.007 [-0.016, +0.002]", keeps.Shown(t));
        Assert.Equal("+0.170", TestbedBar.All.Single(b => b.Id == "rl-gain").Shown(With("rl_gain_mean1_robust", 0.17)));
    }
}
