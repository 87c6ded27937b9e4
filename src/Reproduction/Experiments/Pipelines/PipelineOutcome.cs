using Reproduction.Reporting;
using Tracker = Reproduction.Experiments.StudyContext.Tracker;

namespace Reproduction.Experiments.Pipelines;

/// <summary>A pipeline's run: its spec, its tracked curves, each stage's result, and the seconds it took (reused stages cost only their load).</summary>
public sealed record PipelineOutcome(PipelineSpec Spec, Tracker Tracker, IReadOnlyList<StageResult> Stages, double WallSeconds)
{
    /// <summary>The report's stage list: each stage's name and steps.</summary>
    public IReadOnlyList<Stage> ReportStages => Spec.Stages.Select((s, i) => new Stage(s.Name, Stages[i].Steps)).ToList();
}
