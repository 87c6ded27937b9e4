namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// A pipeline as data: an id (report.json's pipeline id), a title, the seed, its stages in order from the seed's base
/// model, and what its tracker measures. `study` is [sft-then-rl, rl-then-sft] × seeds, `ablate` a list of variant
/// pipelines, `frontier --schedules` schedules × seeds; <see cref="PipelineEngine"/> runs them.
/// </summary>
public sealed record PipelineSpec(string Id, string Title, int Seed, IReadOnlyList<StageSpec> Stages, Measurements Measure)
{
    /// <summary>The reward the pipeline trains with (its GRPO stage's; strict otherwise): what the bridge scores with.</summary>
    public string TrainingReward => Stages.OfType<GrpoStageSpec>().Select(g => g.Reward).FirstOrDefault()
                                    ?? Stages.OfType<ScheduleStageSpec>().Select(s => s.Reward).FirstOrDefault() ?? TrainingRewards.Strict;
}
