using System.Collections.Concurrent;
using Reproduction.Qwen3;

namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// The checkpoint diagnosis (<see cref="Diagnosis"/>) at every stage end, with the seed's one diagnosis seed; at the end
/// of a stage that followed a GRPO stage, also after the thinking that GRPO's checkpoint wrote.
/// </summary>
public sealed class DiagnosisObserver(StudyContext ctx) : IPipelineObserver
{
    private readonly ConcurrentDictionary<(string Pipeline, int Seed, int Stage), Diagnosis> _done = new();

    /// <summary>The seed's diagnosis seed (every checkpoint of a seed is diagnosed with it).</summary>
    public static ulong SeedOf(int seed) => (ulong)Seeds.Derive(seed, "diagnosis");

    public Diagnosis At(string pipeline, int seed, int stage) => _done[(pipeline, seed, stage)];

    public void OnStageEnd(PipelineSpec pipeline, int stage, StageResult result, Qwen3ForCausalLM model)
    {
        var start = stage > 0 && pipeline.Stages[stage - 1] is GrpoStageSpec ? _done[(pipeline.Id, pipeline.Seed, stage - 1)] : null;
        _done[(pipeline.Id, pipeline.Seed, stage)] = Diagnosis.Of(model, ctx, SeedOf(pipeline.Seed), start);
        ctx.CheckMemory($"diagnosing {pipeline.Id} after {pipeline.Stages[stage].Name} (seed {pipeline.Seed})");
    }
}
