using System.Text.Json.Nodes;
using Reproduction.Experiments;
using Reproduction.Reporting;
using Repro.Tests.Gating;

namespace Repro.Tests.Study;

/// <summary>
/// A seed's own evidence for a coupling is the change between two checkpoints measured on the same items, with the
/// 95% Student-t interval of the per-item differences; the report names a seed as one where a coupling was not seen
/// when that interval does not lie on the predicted side of zero, whatever the size of the change.
/// </summary>
public sealed class PairedChangeTests
{
    [Fact]
    public void The_interval_is_the_t_interval_of_the_per_item_differences()
    {
        // differences 1, 1, 1, 3: mean 1.5, sd 1, t(3) = 3.182446, half-width 3.182446 / 2
        var c = PairedChange.Of([0, 1, 2, 0], [1, 2, 3, 3]);
        Assert.Equal(1.5, c.Change, 12);
        Assert.Equal(1.5 - 3.182446 / 2, c.Low, 6);
        Assert.Equal(1.5 + 3.182446 / 2, c.High, 6);
    }

    [Fact]
    public void Items_are_paired_so_what_every_item_shares_does_not_widen_the_interval()
    {
        var c = PairedChange.Of([0.1, 0.9, 0.5, 0.3], [0.2, 1.0, 0.6, 0.4]);
        Assert.Equal(0.1, c.Low, 12);
        Assert.Equal(0.1, c.High, 12);
    }

    [Fact]
    public void Different_items_before_and_after_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PairedChange.Of([1, 2, 3], [1, 2]));
        Assert.Throws<ArgumentException>(() => PairedChange.Of([1], [2]));
    }

    private static JsonObject Seed(int seed, double drop, double low, double high, double rise, double riseLow, double riseHigh) => new()
    {
        ["seed"] = seed,
        ["testbed"] = new JsonObject
        {
            ["sft_drop_mean1_robust"] = drop, ["sft_drop_mean1_robust_ci95"] = new JsonArray(low, high),
            ["grpo_ce_rise"] = rise, ["grpo_ce_rise_ci95"] = new JsonArray(riseLow, riseHigh),
        },
        [Mechanisms.RlThenSft] = Mechanisms.ToJson([new MechanismRow("robust", "robust mean@1", 0.9, 0.9 + drop, 1)]),
        [Mechanisms.SftThenRl] = Mechanisms.ToJson([new MechanismRow("ce", "SFT-test CE", 0.06, 0.06 + rise, 1)]),
    };

    [Fact]
    public void A_seed_whose_interval_reaches_zero_is_not_seen_however_large_its_change_and_a_small_change_clear_of_zero_is_seen()
    {
        var mechanisms = new JsonObject
        {
            ["per_seed"] = new JsonArray(
                Seed(1, -0.80, -0.86, -0.74, 0.018, 0.010, 0.026),
                Seed(2, -0.50, -0.90, +0.05, 0.030, 0.020, 0.040),
                Seed(3, -0.05, -0.08, -0.02, 0.040, -0.010, 0.090)),
        };
        var md = ReportMarkdown.Render(SyntheticRuns.Make() with { Mechanisms = mechanisms });
        Assert.Contains("seed 1 -0.800 [-0.860, -0.740], seed 2 -0.500 [-0.900, +0.050], seed 3 -0.050 [-0.080, -0.020]; on the predicted side of zero in 2 of 3 seeds.", md);
        Assert.Contains("Not seen in seed 2 (-0.500 [-0.900, +0.050])", md);
        Assert.Contains("seed 1 +0.018 [+0.010, +0.026], seed 2 +0.030 [+0.020, +0.040], seed 3 +0.040 [-0.010, +0.090]; on the predicted side of zero in 2 of 3 seeds.", md);
        Assert.Contains("Not seen in seed 3 (+0.040 [-0.010, +0.090])", md);
        Assert.DoesNotContain("Not seen in seed 1", md);
    }

    [Fact]
    public void The_testbed_table_shows_each_coupling_with_its_interval()
    {
        var mechanisms = new JsonObject { ["per_seed"] = new JsonArray(Seed(7, -0.3, -0.4, -0.2, 0.05, 0.04, 0.06)) };
        var md = Mechanisms.ReportSection(mechanisms);
        Assert.Contains("| -0.300 [-0.400, -0.200] | +0.050 [+0.040, +0.060] |", md);
    }
}
