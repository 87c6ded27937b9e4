using Reproduction.Qwen3;
using Reproduction.Training;
using Tracker = Reproduction.Experiments.StudyContext.Tracker;

namespace Reproduction.Experiments.Pipelines;

/// <summary>What a stage runs against: the context, its pipeline, the model (through the tracker), its first global step and its log.</summary>
public sealed class StageRun
{
    public required StudyContext Context { get; init; }
    public required PipelineSpec Pipeline { get; init; }
    public required int Index { get; init; }
    public required Tracker Tracker { get; init; }

    /// <summary>The global step the stage starts at (the steps of the stages before it).</summary>
    public required int Offset { get; init; }

    public required MetricsLog Metrics { get; init; }

    /// <summary>The observers that watch evaluation points (the bridge), after the tracker has measured.</summary>
    public required Action<long> Observe { get; init; }

    public Qwen3ForCausalLM Model => Tracker.Model;
    public int Seed => Pipeline.Seed;
    public Measurements Measure => Pipeline.Measure;

    /// <summary>An evaluation point: the pipeline's measurements, then the observers.</summary>
    public void Evaluate(long step)
    {
        if (Measure.Ce) Tracker.AddCe(step);
        Tracker.Rewards(step);
        Observe(step);
    }
}
