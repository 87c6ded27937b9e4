using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reproduction.Qwen3;
using TorchSharp;

namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// The key of a pipeline prefix in the stage cache: the SHA-256 of a JSON document of everything that made the model and
/// curves at the end of stage i: the cache format, the base weights' SHA-256 and config, the encoded data (token ids of
/// every split: data, tokenizer and chat template in one), the evaluation settings, the torch build, device, thread
/// count, CPU model and any cap on the kernels' instruction set (kernels round differently), the seed, the measurements, and the identity of stages 0..i with all their options.
/// </summary>
public static class StageKey
{
    /// <summary>Bump when a stage's code changes what it computes: every older entry then misses.</summary>
    public const string Format = "repro-stage-cache-v1";

    public static JsonObject Preimage(JsonObject context, PipelineSpec pipeline, int lastStage, StudyContext ctx) => new()
    {
        ["format"] = Format,
        ["context"] = context.DeepClone(),
        ["seed"] = pipeline.Seed,
        ["measurements"] = new JsonObject { ["ce"] = pipeline.Measure.Ce, ["rewards"] = pipeline.Measure.Rewards },
        ["stages"] = new JsonArray(pipeline.Stages.Take(lastStage + 1).Select(s => (JsonNode)s.Identity(ctx)).ToArray()),
    };

    public static string Hash(JsonObject preimage) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(preimage.ToJsonString())));

    /// <summary>What every prefix of a seed shares: base, data, evaluation, numerics.</summary>
    public static JsonObject Context(StudyContext ctx, Qwen3ForCausalLM baseModel)
    {
        var p = ctx.Preset;
        return new JsonObject
        {
            ["base_sha256"] = WeightsSha256(baseModel),
            ["base_config"] = JsonNode.Parse(baseModel.Config.ToJson()),
            ["dtype"] = p.Model.Dtype,
            ["data_sha256"] = DataSha256(ctx),
            ["eval"] = JsonSerializer.SerializeToNode(p.Eval),
            ["ce_eval"] = new JsonObject { ["max_length"] = p.Sft.MaxLength, ["batch_size"] = p.Sft.PerDeviceEvalBatchSize },
            ["torch"] = new JsonObject
            {
                ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString(), ["device"] = baseModel.Device.type.ToString(),
                ["threads"] = torch.get_num_threads(), ["cpu"] = Runtime.TorchEnvironment.CpuModel(), ["kernel_isa"] = Runtime.TorchEnvironment.KernelIsaDescription(),
            },
        };
    }

    /// <summary>SHA-256 over every weight's name, dtype, shape and bytes, in the model's order.</summary>
    public static string WeightsSha256(Qwen3ForCausalLM model)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, tensor) in model.NamedWeights())
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}|{tensor.dtype}|{string.Join(",", tensor.shape)}|"));
            using var scope = torch.NewDisposeScope();
            var c = tensor.detach().cpu().contiguous();
            if (c.NumberOfElements > 0) hash.AppendData(c.bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>SHA-256 of the encoded splits: SFT train/test, RL prompts with labels, evaluation prompts, pad and stop ids.</summary>
    public static string DataSha256(StudyContext ctx)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Ids(IEnumerable<long> ids)
        {
            var list = ids.ToList();
            hash.AppendData(BitConverter.GetBytes(list.Count));
            foreach (var id in list) hash.AppendData(BitConverter.GetBytes(id));
        }
        void Text(string s) { Ids([s.Length]); hash.AppendData(Encoding.UTF8.GetBytes(s)); }
        foreach (var split in new[] { ctx.SftTrain, ctx.SftTest })
        {
            Ids([split.Count]);
            foreach (var e in split) { Ids(e.PromptIds); Ids(e.CompletionIds); }
        }
        foreach (var set in new[] { ctx.RlTrain, ctx.EvalSet })
        {
            Ids([set.Count]);
            foreach (var prompt in set) { Ids(prompt.PromptIds); Text(prompt.Label); }
        }
        Ids(ctx.SftTrainExamples.Select(e => (long)e.Label));       // the expert completions of mixed schedules
        Ids([ctx.Encoder.PadId]);
        Ids(ctx.Encoder.StopIds);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
