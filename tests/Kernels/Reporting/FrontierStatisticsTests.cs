using Reproduction.Reporting;

namespace Repro.Tests.Reporting;

/// <summary>
/// The frontier's statistics for few seeds (rliable, Agarwal et al. 2021): bootstrap intervals, probability of
/// improvement, tiers, the Pareto set, dominance with intervals apart and the budget check, each against a case worked
/// out by hand.
/// </summary>
public sealed class FrontierStatisticsTests
{
    [Fact]
    public void Probability_of_improvement_counts_wins_and_half_ties_over_all_pairs()
    {
        // x = {1, 2, 3} against y = {0, 2, 4}, higher is better; S per pair (y = 0, 2, 4):
        //   x = 1: 1, 0,   0 → 1
        //   x = 2: 1, 0.5, 0 → 1.5
        //   x = 3: 1, 1,   0 → 2
        // P = 4.5 / 9 = 0.5.
        Assert.Equal(0.5, FrontierStatistics.ProbabilityOfImprovement([1, 2, 3], [0, 2, 4], higherIsBetter: true, seed: 1).Mean, 12);
        // x = {1, 2, 3} against y = {0, 1, 2}:
        //   x = 1: 1, 0.5, 0   → 1.5
        //   x = 2: 1, 1,   0.5 → 2.5
        //   x = 3: 1, 1,   1   → 3
        // P = 7 / 9.
        Assert.Equal(7.0 / 9, FrontierStatistics.ProbabilityOfImprovement([1, 2, 3], [0, 1, 2], higherIsBetter: true, seed: 1).Mean, 12);
    }

    [Fact]
    public void Lower_is_better_turns_wins_into_losses_and_keeps_ties_at_one_half()
    {
        // x = {1, 2, 3} against y = {0, 1, 2}, lower is better:
        //   x = 1: 0, 0.5, 1   → 1.5
        //   x = 2: 0, 0,   0.5 → 0.5
        //   x = 3: 0, 0,   0   → 0
        // P = 2 / 9 = 1 − 7/9.
        Assert.Equal(2.0 / 9, FrontierStatistics.ProbabilityOfImprovement([1, 2, 3], [0, 1, 2], higherIsBetter: false, seed: 1).Mean, 12);
    }

    [Fact]
    public void Identical_samples_have_probability_one_half_with_an_interval_around_it()
    {
        double[] runs = [0.3, 0.5, 0.4];
        var p = FrontierStatistics.ProbabilityOfImprovement(runs, runs, higherIsBetter: true, seed: 7);
        Assert.Equal(0.5, p.Mean, 12);
        Assert.True(p.Low < 0.5 && p.High > 0.5, $"independent resamples of x and y spread P on both sides of 1/2: [{p.Low}, {p.High}]");
        Assert.Equal(3, p.N);
    }

    [Fact]
    public void A_sample_that_always_wins_has_probability_one_and_a_degenerate_interval()
    {
        // Every resample of x still beats every resample of y, so every bootstrap estimate is 1.
        var p = FrontierStatistics.ProbabilityOfImprovement([5, 6], [1, 2, 3], higherIsBetter: true, seed: 3);
        Assert.Equal(new Interval(1, 1, 1, 2), p);
    }

    [Fact]
    public void Bootstrap_of_one_run_is_the_run_itself()
    {
        Assert.Equal(new Interval(0.37, 0.37, 0.37, 1), FrontierStatistics.Bootstrap([0.37], seed: 5));
    }

    [Fact]
    public void Bootstrap_of_a_constant_sample_has_no_spread()
    {
        // 0.25 is exact in binary, so every resampled mean is exactly 0.25.
        Assert.Equal(new Interval(0.25, 0.25, 0.25, 4), FrontierStatistics.Bootstrap([0.25, 0.25, 0.25, 0.25], seed: 5));
    }

    [Fact]
    public void Bootstrap_interval_holds_the_mean_and_lies_within_the_sample()
    {
        double[] runs = [0.31, 0.44, 0.38, 0.29, 0.41];
        var a = FrontierStatistics.Bootstrap(runs, seed: 11);
        Assert.Equal(runs.Average(), a.Mean, 12);
        Assert.True(a.Low < a.Mean && a.Mean < a.High, $"{a}");
        Assert.True(a.Low >= runs.Min() && a.High <= runs.Max(), $"a mean of resampled runs lies within the runs: {a}");
        Assert.Equal(5, a.N);
    }

    [Fact]
    public void Bootstrap_repeats_for_a_seed_and_depends_on_it()
    {
        // Few resamples, so the percentiles move with the draw and a seed that is not honoured shows.
        double[] runs = [0.31, 0.44, 0.38, 0.29, 0.41];
        Assert.Equal(FrontierStatistics.Bootstrap(runs, seed: 11, resamples: 30), FrontierStatistics.Bootstrap(runs, seed: 11, resamples: 30));
        var bySeed = Enumerable.Range(1, 8).Select(s => FrontierStatistics.Bootstrap(runs, seed: s, resamples: 30)).Distinct().Count();
        Assert.True(bySeed > 1, "eight seeds gave one interval");
    }

    [Fact]
    public void Tiers_join_overlapping_intervals_to_the_tier_head_and_open_a_new_tier_when_apart()
    {
        // Best first by mean: B (0.50, [0.45, 0.55]), A (0.48, [0.40, 0.52]) overlaps B → tier 1;
        // C (0.30, [0.25, 0.35]) is apart from B → tier 2; D (0.28, [0.20, 0.36]) overlaps C, the head of tier 2 → tier 2.
        Interval a = new(0.48, 0.40, 0.52, 3), b = new(0.50, 0.45, 0.55, 3), c = new(0.30, 0.25, 0.35, 3), d = new(0.28, 0.20, 0.36, 3);
        Assert.Equal([1, 1, 2, 2], FrontierStatistics.Tiers([a, b, c, d], higherIsBetter: true));
        // Lower is better (a CE): C is best, D overlaps it → tier 1; A is apart from C → tier 2; B overlaps A → tier 2.
        Assert.Equal([2, 2, 1, 1], FrontierStatistics.Tiers([a, b, c, d], higherIsBetter: false));
    }

    [Fact]
    public void Tiers_compare_with_the_head_of_the_tier_not_with_the_previous_item()
    {
        // X [0.50, 0.60] heads tier 1; Y [0.45, 0.55] overlaps X; Z [0.40, 0.48] overlaps Y but not X → tier 2.
        Interval x = new(0.55, 0.50, 0.60, 3), y = new(0.50, 0.45, 0.55, 3), z = new(0.44, 0.40, 0.48, 3);
        Assert.Equal([1, 1, 2], FrontierStatistics.Tiers([x, y, z], higherIsBetter: true));
    }

    [Fact]
    public void Pareto_set_keeps_the_points_no_other_point_beats_on_both_measures()
    {
        // (CE, reward): P0 (1.0, 0.3) and P1 (1.2, 0.5) trade off → both kept; P2 (1.3, 0.4) is beaten by P1 on both;
        // P3 (1.0, 0.2) has P0's CE and a lower reward → dominated by P0 (equal on one, strictly worse on the other).
        Assert.Equal([true, true, false, false], FrontierStatistics.ParetoSet([(1.0, 0.3), (1.2, 0.5), (1.3, 0.4), (1.0, 0.2)]));
    }

    [Fact]
    public void Equal_points_do_not_dominate_each_other()
    {
        Assert.Equal([true, true], FrontierStatistics.ParetoSet([(1.0, 0.3), (1.0, 0.3)]));
    }

    [Fact]
    public void Dominance_is_claimed_only_when_both_intervals_are_apart()
    {
        Interval ceA = new(1.0, 0.9, 1.1, 3), rewardA = new(0.5, 0.45, 0.55, 3);
        Interval ceB = new(1.3, 1.2, 1.4, 3), rewardB = new(0.3, 0.25, 0.35, 3);
        Assert.True(FrontierStatistics.DominatesApart(ceA, rewardA, ceB, rewardB));
        Assert.False(FrontierStatistics.DominatesApart(ceB, rewardB, ceA, rewardA));
        // The same means, but B's reward interval reaches A's: no claim.
        Assert.False(FrontierStatistics.DominatesApart(ceA, rewardA, ceB, rewardB with { High = 0.46 }));
        // The same means, but B's CE interval reaches A's: no claim.
        Assert.False(FrontierStatistics.DominatesApart(ceA, rewardA, ceB with { Low = 1.05 }, rewardB));
    }

    [Fact]
    public void Budgets_within_five_percent_pass_and_beyond_it_name_both_schedules_and_their_numbers()
    {
        // 1000 against 951 completions: 49 ≤ 0.05 · 1000 = 50 (4.9%). Against 949: 51 > 50 (5.1%).
        ScheduleBudget full = new(100, 1000, 64), close = new(100, 951, 64), far = new(100, 949, 64);
        Assert.Null(FrontierStatistics.BudgetMismatch([("sft-then-rl", full), ("luffy", close)], demonstrationLimit: 64));
        var message = FrontierStatistics.BudgetMismatch([("sft-then-rl", full), ("luffy", far)], demonstrationLimit: 64);
        Assert.NotNull(message);
        Assert.Contains("sft-then-rl", message);
        Assert.Contains("luffy", message);
        Assert.Contains("949", message);
        Assert.Contains("1000", message);
        Assert.Contains("sampled completions", message);
    }

    [Fact]
    public void Optimizer_steps_are_checked_like_completions()
    {
        // 200 against 189 steps: 11 > 0.05 · 200 = 10.
        var message = FrontierStatistics.BudgetMismatch([("joint", new(189, 1000, 0)), ("hpt", new(200, 1000, 0)), ("chord", new(195, 1000, 0))], demonstrationLimit: -1);
        Assert.NotNull(message);
        Assert.Contains("joint used 189 optimizer steps and hpt 200", message);
    }

    [Fact]
    public void A_schedule_with_more_demonstrations_than_the_two_stage_pipelines_is_named()
    {
        // Limit 100 → at most 105 demonstrations; 105 passes, 106 does not.
        Assert.Null(FrontierStatistics.BudgetMismatch([("sft-then-rl", new(10, 10, 100)), ("chord", new(10, 10, 105))], demonstrationLimit: 100));
        var message = FrontierStatistics.BudgetMismatch([("sft-then-rl", new(10, 10, 100)), ("chord", new(10, 10, 106))], demonstrationLimit: 100);
        Assert.NotNull(message);
        Assert.Contains("chord used 106 demonstrations", message);
        Assert.DoesNotContain("sft-then-rl used", message);
    }

    [Fact]
    public void Without_a_two_stage_pipeline_demonstrations_are_not_checked()
    {
        Assert.Null(FrontierStatistics.BudgetMismatch([("chord", new(10, 10, 1_000_000))], demonstrationLimit: -1));
    }
}
