using Reproduction.Qwen3;

namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// A measurement or output along pipelines (the bridge, a diagnosis, checkpoint folders, a frontier's end measures),
/// told by <see cref="PipelineEngine"/> at stage boundaries and evaluation points. A new measurement is one observer.
/// Stage ends are told for stages reused from the cache too (with the reused model); evaluation points only for stages
/// that run, so an observer that <see cref="WatchesSteps"/> of a stage keeps it out of the cache.
/// </summary>
public interface IPipelineObserver
{
    /// <summary>Whether this observer measures inside stage <paramref name="stage"/> of <paramref name="pipeline"/>.</summary>
    bool WatchesSteps(PipelineSpec pipeline, int stage) => false;

    /// <summary>A stage starts at global step <paramref name="offset"/> from <paramref name="model"/> (only for stages that run).</summary>
    void OnStageStart(PipelineSpec pipeline, int stage, Qwen3ForCausalLM model, int offset) { }

    /// <summary>An evaluation point of a running stage, after the tracker measured.</summary>
    void OnEvaluation(PipelineSpec pipeline, int stage, Qwen3ForCausalLM model, long step) { }

    /// <summary>A stage ended (ran, or was reused) with <paramref name="model"/> as it left it.</summary>
    void OnStageEnd(PipelineSpec pipeline, int stage, StageResult result, Qwen3ForCausalLM model) { }

    /// <summary>The pipeline ended; <paramref name="model"/> is its final model (disposed after the observers).</summary>
    void OnPipelineEnd(PipelineOutcome outcome, Qwen3ForCausalLM model) { }
}
