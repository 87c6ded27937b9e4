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
    public void Recorded_tolerances_are_four_seed_standard_deviations_or_the_metric_floor_whichever_is_larger()
    {
        // Seeds 2 and 3 repeat seed 1's curves shifted by 1 and 2 steps of d, so every point's seed std is exactly d.
        var d = new Dictionary<string, double> { ["sft_test_ce"] = 0.1, ["mean1_robust"] = 0.01, ["mean1_strict"] = 0.01 };
        var run = SyntheticRuns.Make(seeds: [1, 2, 3]);
        run = run with
        {
            Pipelines = run.Pipelines.Select(p => p with
            {
                Curves = p.Curves.Select(c => c with
                {
                    Points = p.CurvesOf(c.Metric)[0].Points.Select(pt => pt with { Value = pt.Value + (c.Seed - 1) * d[c.Metric] }).ToList(),
                }).ToList(),
            }).ToList(),
        };
        var b = BaselineRecorder.Record(run);

        // CE: 4 × 0.1 = 0.4 is above its floor 0.15. Rewards: 4 × 0.01 = 0.04 is below their floor 0.12.
        var expected = new Dictionary<string, double> { ["sft_test_ce"] = 0.4, ["mean1_robust"] = 0.12, ["mean1_strict"] = 0.12 };
        Assert.All(b.Curves, c => Assert.Equal((expected[c.Metric], expected[c.Metric] / 2), (Math.Round(c.MaxAbsDelta, 12), Math.Round(c.MeanResidualTolerance, 12))));
        Assert.Equal(3 * 3, b.EndMetrics.Count);   // 3 metrics × 3 key points
        Assert.All(b.EndMetrics, e => Assert.Equal(expected[e.Metric], e.Tolerance, 12));
    }
}
