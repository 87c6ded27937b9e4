using System.Text.Json.Nodes;
using Reproduction.Qwen3;
using static TorchSharp.torch;

namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// A seed's base as <see cref="PipelineEngine"/> starts pipelines from it: what keys its prefixes (<see cref="StageKey.Context"/>),
/// the dtype and device a cached stage is loaded in, and where a pipeline's first trainable model comes from: a copy of
/// the base in memory (<see cref="InMemory"/>), or its saved folder (<see cref="OnDisk"/>: the caller may free the base
/// once this is made, one copy of the weights fewer while the pipelines train: a dry run at full shape).
/// </summary>
public sealed record BaseStart(JsonObject Context, ScalarType Dtype, Device Device, string AttnImplementation, Func<Qwen3ForCausalLM> Trainable)
{
    public static BaseStart InMemory(StudyContext ctx, Qwen3ForCausalLM model) =>
        new(StageKey.Context(ctx, model), model.Dtype, model.Device, model.Config.AttnImplementation, () => ModelCopy.Trainable(model));

    /// <summary>Keyed on <paramref name="model"/>, which <paramref name="folder"/> holds; each pipeline loads its own copy from the folder.</summary>
    public static BaseStart OnDisk(StudyContext ctx, Qwen3ForCausalLM model, string folder)
    {
        var (dtype, device, attn) = (model.Dtype, model.Device, model.Config.AttnImplementation);
        return new(StageKey.Context(ctx, model), dtype, device, attn, () => Qwen3ForCausalLM.FromPretrained(folder, dtype, device, attn));
    }
}
