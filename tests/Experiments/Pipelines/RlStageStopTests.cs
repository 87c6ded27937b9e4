using Reproduction.Experiments;
using Reproduction.Experiments.Pipelines;
using Reproduction.Grpo;

namespace Repro.Tests.Pipelines;

/// <summary>
/// RL-then-SFT's RL stage (<see cref="RlStageSpec"/>): without a plateau window GRPO runs all max_steps; with one it
/// stops once the last window's mean training reward is no higher than the window before's plus the tolerance, and not
/// before min_steps.
/// </summary>
public sealed class RlStageStopTests
{
    private static List<GrpoStepMetrics> Rewards(params double[] rewards) =>
        [.. rewards.Select((r, i) => new GrpoStepMetrics(i + 1, 0, new Dictionary<string, double> { ["reward"] = r }))];

    private static GrpoStageSpec RlStageOf(RlStageSpec rl) =>
        (GrpoStageSpec)StudyRunner.RlThenSft(StudyPreset.Load("tiny") with { RlStage = rl }, seed: 1, trackAll: false).Stages[0];

    [Fact]
    public void Without_a_plateau_window_the_study_runs_GRPO_for_all_max_steps()
    {
        var stage = RlStageOf(new RlStageSpec { MaxSteps = 60 });
        Assert.Null(stage.Plateau);
        Assert.Equal(60, stage.Options.MaxSteps);
        Assert.False(GrpoStageSpec.Plateaued(Rewards([.. Enumerable.Repeat(0.5, 59)]), new RlStageSpec()));
    }

    [Fact]
    public void With_a_plateau_window_the_study_stops_GRPO_at_the_first_flat_window_after_min_steps()
    {
        var rl = new RlStageSpec { MaxSteps = 60, PlateauWindow = 3, PlateauTolerance = 0.02, MinSteps = 8 };
        Assert.Same(rl, RlStageOf(rl).Plateau);
        double[] rising = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
        Assert.False(GrpoStageSpec.Plateaued(Rewards(rising), rl));                          // 8 steps, still rising
        Assert.False(GrpoStageSpec.Plateaued(Rewards([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), rl)); // flat, but before min_steps
        Assert.True(GrpoStageSpec.Plateaued(Rewards([.. rising, 0.8, 0.78, 0.79, 0.77, 0.8]), rl));  // last 3: 0.787 ≤ 0.793 + 0.02
        Assert.False(GrpoStageSpec.Plateaued(Rewards([.. rising, 0.8, 0.78, 0.79, 0.85, 0.9]), rl)); // last 3: 0.847 > 0.793 + 0.02
    }
}
