using Reproduction.Qwen3;

namespace Reproduction.Experiments.Pipelines;

/// <summary>A loadable model folder at every stage end: FOLDER(pipeline)/after-STAGE (written atomically).</summary>
public sealed class CheckpointObserver(StudyContext ctx, Func<PipelineSpec, string> folderOf) : IPipelineObserver
{
    public void OnStageEnd(PipelineSpec pipeline, int stage, StageResult result, Qwen3ForCausalLM model)
    {
        string name = $"after-{pipeline.Stages[stage].Name}";
        TaskSetup.SaveModel(model, ctx.Encoder, Path.Combine(folderOf(pipeline), name));
        ctx.CheckMemory($"saving {pipeline.Id}/{name} (seed {pipeline.Seed})");
    }
}
