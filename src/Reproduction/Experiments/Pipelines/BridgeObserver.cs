using System.Collections.Concurrent;
using Reproduction.Qwen3;

namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// The theory bridge (<see cref="TheoryBridge"/>) along every second stage that has a trained p1 (SFT and GRPO stages
/// after another stage): started at the stage's start, measured at its evaluation points.
/// </summary>
public sealed class BridgeObserver(StudyContext ctx) : IPipelineObserver
{
    private readonly ConcurrentDictionary<PipelineSpec, StudyContext.BridgeStage?> _open = new(ReferenceEqualityComparer.Instance);

    public bool WatchesSteps(PipelineSpec pipeline, int stage) => ctx.Bridge is not null && stage > 0 && pipeline.Stages[stage].Bridged;

    public void OnStageStart(PipelineSpec pipeline, int stage, Qwen3ForCausalLM model, int offset)
    {
        if (!WatchesSteps(pipeline, stage)) { _open.TryRemove(pipeline, out _); return; }
        var spec = pipeline.Stages[stage];
        _open[pipeline] = ctx.StartBridge(model, pipeline.Id, pipeline.Seed, (spec as GrpoStageSpec)?.Options.Beta,
            TrainingRewards.Of(pipeline.TrainingReward), offset, spec.PlannedSteps(ctx));
    }

    public void OnEvaluation(PipelineSpec pipeline, int stage, Qwen3ForCausalLM model, long step)
    {
        if (_open.TryGetValue(pipeline, out var bridge)) ctx.BridgeAt(bridge, model, step);
    }

    public void OnPipelineEnd(PipelineOutcome outcome, Qwen3ForCausalLM model) => _open.TryRemove(outcome.Spec, out _);
}
