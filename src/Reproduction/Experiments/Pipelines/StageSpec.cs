using System.Text.Json.Nodes;

namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// One stage of a pipeline as data: its kind and every option it trains with (<see cref="Identity"/>, what the
/// shared-prefix cache keys on), and where its outputs go in the run folder (<see cref="MetricsFile"/>, <see cref="Board"/>;
/// not part of the key: a reused stage's log is copied to the new names). A stage kind is one subclass: its spec and
/// <see cref="Run"/>, which calls the trainer.
/// </summary>
public abstract record StageSpec
{
    /// <summary>The stage's name in report.json's stage list and in checkpoint folders (after-NAME).</summary>
    public abstract string Name { get; }

    /// <summary>metrics/FILE: the stage's training log (mirrored to tensorboard/).</summary>
    public required string MetricsFile { get; init; }

    /// <summary>tensorboard/BOARD-eval: the TensorBoard run of the pipeline's evaluation points during this stage, or none.</summary>
    public string? Board { get; init; }

    /// <summary>Whether the theory bridge measures this stage when it is a second stage (a trained p1 to compare with).</summary>
    public virtual bool Bridged => false;

    /// <summary>The planned length of the stage in steps (the bridge spreads its checkpoints over it).</summary>
    public abstract int PlannedSteps(StudyContext ctx);

    /// <summary>Everything that decides what the stage computes from a given model: kind and all options.</summary>
    public abstract JsonObject Identity(StudyContext ctx);

    /// <summary>Trains <see cref="StageRun.Model"/> in place, calling <see cref="StageRun.Evaluate"/> at the stage's evaluation points.</summary>
    public abstract StageResult Run(StageRun run);
}
