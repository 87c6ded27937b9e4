using System.Text.Json.Nodes;
using Reproduction.Gating;
using Reproduction.Reporting;

namespace Repro.Tests.Gating;

/// <summary>The regression gate: passes a run like its baseline, fails drift beyond tolerance and flipped effects.</summary>
public sealed class GateTests
{
    private static JsonObject PaperNumbers() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.RepoRoot, "baselines", "paper.json")))!.AsObject();

    [Fact]
    public void A_run_passes_the_gate_against_the_baseline_recorded_from_it_and_the_paper_directions()
    {
        var run = SyntheticRuns.Make();
        var checks = Gate.Evaluate(run, BaselineRecorder.Record(run), PaperNumbers());
        Assert.All(checks, c => Assert.True(c.Pass, $"{c.Check}: expected {c.Expected}, got {c.Actual}"));
        Assert.Contains(checks, c => c.Check == "direction sft-then-rl-ce-rises");
        Assert.Contains(checks, c => c.Check == "direction rl-then-sft-reward-drops");
    }

    [Fact]
    public void A_rerun_with_other_seeds_of_the_same_code_stays_inside_the_recorded_tolerances()
    {
        var baseline = BaselineRecorder.Record(SyntheticRuns.Make(seeds: [1, 2, 3]));
        var checks = Gate.Evaluate(SyntheticRuns.Make(seeds: [4, 5, 6]), baseline);
        Assert.All(checks, c => Assert.True(c.Pass, $"{c.Check}: expected {c.Expected}, got {c.Actual}"));
    }

    [Fact]
    public void A_curve_point_moved_beyond_max_abs_delta_fails_its_curve_check()
    {
        var run = SyntheticRuns.Make();
        var baseline = BaselineRecorder.Record(run);
        var tol = baseline.Curves.Single(c => c.Metric == "sft_test_ce").MaxAbsDelta;
        var drifted = SyntheticRuns.Perturb(run, "sft_test_ce", 14, 1.5 * tol);
        var failed = Gate.Evaluate(drifted, baseline).Where(c => !c.Pass).Select(c => c.Check).ToList();
        Assert.Contains("curve sft-then-rl/sft_test_ce max|Δ|", failed);
    }

    [Fact]
    public void A_flipped_effect_fails_the_direction_check_even_without_a_baseline()
    {
        var flipped = SyntheticRuns.Make(ceRise: -0.2, rewardDrop: 0.5);
        var checks = Gate.Evaluate(flipped, baseline: null);
        Assert.False(checks.Single(c => c.Check == "direction sft-then-rl-ce-rises").Pass);
        Assert.False(checks.Single(c => c.Check == "direction rl-then-sft-reward-drops").Pass);
    }

    [Fact]
    public void The_paper_numbers_gate_only_the_preset_they_declare_and_within_their_tolerance()
    {
        var paper = PaperNumbers();
        Assert.DoesNotContain(Gate.Evaluate(SyntheticRuns.Make("tiny"), null, paper), c => c.Check.StartsWith("paper "));

        var close = Gate.Evaluate(SyntheticRuns.Make("qwen3-0.6b", rewardBase: 0.40, rewardDrop: -0.05), null, paper);
        Assert.True(close.Single(c => c.Check == "paper base-mean1-robust").Pass);

        var far = Gate.Evaluate(SyntheticRuns.Make("qwen3-0.6b", rewardBase: 0.1), null, paper);
        Assert.False(far.Single(c => c.Check == "paper base-mean1-robust").Pass);
    }

    [Fact]
    public void A_baseline_for_another_preset_or_with_missing_steps_fails()
    {
        var baseline = BaselineRecorder.Record(SyntheticRuns.Make("tiny"));
        Assert.Contains(Gate.Evaluate(SyntheticRuns.Make("qwen3-0.6b"), baseline), c => c.Check == "preset" && !c.Pass);

        var run = SyntheticRuns.Make();
        var sparse = run with { Pipelines = run.Pipelines.Select(p => p with { Curves = p.Curves.Select(c => c with { Points = c.Points.Where(pt => pt.Step != 6).ToList() }).ToList() }).ToList() };
        Assert.Contains(Gate.Evaluate(sparse, baseline), c => !c.Pass && c.Actual.Contains("missing steps 6"));
    }

    [Fact]
    public void A_run_whose_first_stage_stopped_elsewhere_is_compared_stage_by_stage_and_still_fails_real_drift()
    {
        var baseline = BaselineRecorder.Record(SyntheticRuns.Make());
        Assert.All(baseline.Curves, c => Assert.Equal(SyntheticRuns.Boundary, c.Boundary));
        var shifted = SyntheticRuns.EndFirstStageAt(SyntheticRuns.Make(), PaperClaim.RlThenSft, 6);

        var checks = Gate.Evaluate(shifted, baseline);
        Assert.All(checks, c => Assert.True(c.Pass, $"{c.Check}: expected {c.Expected}, got {c.Actual}"));
        var note = checks.Single(c => c.Check == "curve rl-then-sft/mean1_robust stage boundary");
        Assert.Equal("at step 6: compared stage by stage, 2 recorded first-stage point(s) past it left out", note.Actual);   // steps 6 and 8

        // Alignment is not leniency: a second-stage point moved beyond the tolerance still fails, at its new step.
        var tol = baseline.Curves.Single(c => c.Pipeline == PaperClaim.RlThenSft && c.Metric == "mean1_robust").MaxAbsDelta;
        var drifted = Gate.Evaluate(SyntheticRuns.Perturb(shifted, "mean1_robust", 14, 1.5 * tol), baseline);
        var failed = drifted.Single(c => c.Check == "curve rl-then-sft/mean1_robust max|Δ|");
        Assert.False(failed.Pass);
        Assert.EndsWith("at step 14 (recorded 18)", failed.Actual);

        // A baseline without its boundary (recorded before it was stored) compares steps as they are: missing steps.
        var old = baseline with { Curves = baseline.Curves.Select(c => c with { Boundary = null }).ToList() };
        Assert.Contains(Gate.Evaluate(shifted, old), c => !c.Pass && c.Check == "curve rl-then-sft/mean1_robust" && c.Actual.StartsWith("missing steps"));
    }

    [Fact]
    public void Recorded_tolerances_are_three_standard_errors_of_a_difference_of_seed_means_never_below_the_floor()
    {
        // Three seeds whose robust reward at the end differs by exactly ±0.15 around the middle one: sample sd 0.15,
        // band 3·√(2/3)·0.15 = 0.3674…; CE curves agree to the noise, so CE falls back to its floor.
        var run = SyntheticRuns.Make();
        var spread = run with
        {
            Pipelines = run.Pipelines.Select(p => p with
            {
                Curves = p.Curves.Select(c => c.Metric != "mean1_robust" ? c : c with
                {
                    Points = c.Points.Select(pt => pt.Step == SyntheticRuns.Total ? pt with { Value = 0.5 + 0.15 * (c.Seed - 2) } : pt).ToList(),
                }).ToList(),
            }).ToList(),
        };
        var b = BaselineRecorder.Record(spread);
        var end = b.EndMetrics.Single(e => e.Pipeline == "rl-then-sft" && e.Metric == "mean1_robust" && e.Point == "end_stage2");
        Assert.Equal(0.367423461417477, end.Tolerance, 9);
        Assert.Equal(0.03, b.EndMetrics.Single(e => e.Metric == "sft_test_ce" && e.Point == "base").Tolerance, 12);
        Assert.All(b.Curves, c => Assert.Equal(c.MaxAbsDelta / 2, c.MeanResidualTolerance, 12));
        Assert.Equal(3 * 3, b.EndMetrics.Count);   // 3 metrics × 3 key points
    }
}
