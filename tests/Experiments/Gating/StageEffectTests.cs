using Reproduction.Gating;
using Reproduction.Reporting;

namespace Repro.Tests.Gating;

/// <summary>
/// A coupling is claimed only on stages that did their own job: the gate fails, and the report says "not a
/// reproduction", when GRPO raised no reward or SFT lowered no loss, whatever the coupling curves show.
/// </summary>
public sealed class StageEffectTests
{
    [Fact]
    public void A_run_whose_GRPO_raised_no_reward_fails_the_gate_with_a_message_naming_the_missing_effect()
    {
        var run = SyntheticRuns.Make(rlGain: 0.0);
        var failed = Gate.Evaluate(run, null).Where(c => !c.Pass).ToList();
        var check = Assert.Single(failed);
        Assert.Equal("effect grpo-raises-reward", check.Check);
        Assert.Contains("GRPO did not raise the reward", check.Actual);
        Assert.Contains("**Not a reproduction: GRPO did not raise the reward.**", ReportMarkdown.Render(run));
    }

    [Fact]
    public void A_run_whose_SFT_lowered_no_loss_fails_the_gate_with_a_message_naming_the_missing_effect()
    {
        var run = SyntheticRuns.Make(sftCeDrop: 0.0);
        var check = Assert.Single(Gate.Evaluate(run, null), c => !c.Pass);
        Assert.Equal("effect sft-lowers-ce", check.Check);
        Assert.Contains("SFT did not lower its loss", check.Actual);
        Assert.Contains("**Not a reproduction: SFT did not lower its loss.**", ReportMarkdown.Render(run));
    }

    [Fact]
    public void A_gain_within_evaluation_noise_in_one_seed_is_not_an_effect()
    {
        // Seeds 1–3 gain 0.2 by construction; a fourth seed whose RL stage moved the reward by only 0.05 breaks "every seed".
        var run = SyntheticRuns.Make(seeds: [1, 2, 3]);
        var weak = SyntheticRuns.Make(seeds: [4], rlGain: 0.05);
        var both = run with { Seeds = [1, 2, 3, 4], Pipelines = run.Pipelines.Zip(weak.Pipelines, (a, b) => a with { Curves = [.. a.Curves, .. b.Curves] }).ToList() };
        var (_, perSeed, holds) = StageEffect.All.Single(e => e.Id == "grpo-raises-reward").Evaluate(both);
        Assert.False(holds);
        Assert.Equal(4, perSeed.Count);
    }

    [Fact]
    public void When_both_stages_work_the_report_says_observed_and_lists_each_stage_effect()
    {
        var md = ReportMarkdown.Render(SyntheticRuns.Make());
        Assert.DoesNotContain("Not a reproduction", md);
        Assert.Contains("| GRPO raised robust mean@1 by more than 0.10 and its evaluation noise | rl-then-sft |", md);
        Assert.Contains("**Observed.**", md);
    }

    [Fact]
    public void A_check_whose_band_would_span_half_a_metric_range_is_refused_when_the_baseline_is_recorded()
    {
        var run = SyntheticRuns.Make();
        // One seed's reward curve collapses by 1.2 at the end: the seed spread makes a ±(4·sd) band wider than half of [−1, 1].
        var collapsed = run with
        {
            Pipelines = run.Pipelines.Select(p => p with
            {
                Curves = p.Curves.Select(c => c.Metric != "mean1_robust" || c.Seed != 2 ? c : c with
                {
                    Points = c.Points.Select(pt => pt.Step == SyntheticRuns.Total ? pt with { Value = pt.Value - 1.2 } : pt).ToList(),
                }).ToList(),
            }).ToList(),
        };
        var b = BaselineRecorder.Record(collapsed);
        Assert.Contains(b.Refused!, r => r.StartsWith("rl-then-sft/mean1_robust at end_stage2", StringComparison.Ordinal) && r.Contains("half of the metric's range"));
        Assert.DoesNotContain(b.EndMetrics, e => e is { Pipeline: "rl-then-sft", Metric: "mean1_robust", Point: "end_stage2" });
        Assert.Contains(Gate.Evaluate(collapsed, b), c => c.Check == "not gated" && c.Actual.Contains("mean1_robust"));
        Assert.Null(BaselineRecorder.Record(run).Refused);                              // the same run without the collapse records every check
    }
}
