using System.Text.Json;
using System.Text.Json.Serialization;
using Reproduction.IO;

namespace Reproduction.Qwen3;

/// <summary>
/// A `generation_config.json` (transformers `GenerationConfig`), immutable, HF field names.
/// `eos_token_id` may be one id or a list (Qwen3-0.6B stops on 151645 and 151643); it is always a list here.
/// </summary>
public sealed record GenerationConfig
{
    public const string FileName = "generation_config.json";

    [JsonPropertyName("bos_token_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? BosTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public IReadOnlyList<long> EosTokenIds { get; init; } = [];
    [JsonPropertyName("pad_token_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? PadTokenId { get; init; }
    [JsonPropertyName("do_sample")] public bool DoSample { get; init; }
    [JsonPropertyName("temperature"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Temperature { get; init; }
    [JsonPropertyName("top_p"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? TopP { get; init; }
    [JsonPropertyName("top_k"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? TopK { get; init; }
    [JsonPropertyName("max_new_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? MaxNewTokens { get; init; }

    /// <summary>Reads `generation_config.json` from a model folder; falls back to the ids in config.json when the file is absent (as HF does).</summary>
    public static GenerationConfig Load(string folder, Qwen3Config? model = null)
    {
        var file = Path.Combine(folder, FileName);
        if (!File.Exists(file))
            return new GenerationConfig
            {
                BosTokenId = model?.BosTokenId,
                EosTokenIds = model?.EosTokenId is { } e ? [e] : [],
                PadTokenId = model?.PadTokenId,
            };
        var (doc, f) = JsonFields.ParseFile(file);
        using (doc) return FromJson(f);
    }

    public static GenerationConfig Parse(string json, string file = FileName)
    {
        var (doc, f) = JsonFields.Parse(file, System.Text.Encoding.UTF8.GetBytes(json));
        using (doc) return FromJson(f);
    }

    internal static GenerationConfig FromJson(JsonFields f)
    {
        var cfg = new GenerationConfig
        {
            BosTokenId = f.OptionalLong("bos_token_id"),
            EosTokenIds = f.LongOrList("eos_token_id"),
            PadTokenId = f.OptionalLong("pad_token_id"),
            DoSample = f.Bool("do_sample", false),
            Temperature = f.OptionalDouble("temperature"),
            TopP = f.OptionalDouble("top_p"),
            TopK = f.OptionalLong("top_k"),
            MaxNewTokens = f.OptionalLong("max_new_tokens"),
        };
        foreach (var id in cfg.EosTokenIds)
            if (id < 0) throw ReproException.ForFile(f.File, $"field 'eos_token_id' has a negative id {id}");
        if (cfg.Temperature is <= 0) throw ReproException.ForFile(f.File, $"field 'temperature' must be positive, got {cfg.Temperature}");
        if (cfg.TopP is <= 0 or > 1) throw ReproException.ForFile(f.File, $"field 'top_p' must be in (0, 1], got {cfg.TopP}");
        if (cfg.TopK is < 0) throw ReproException.ForFile(f.File, $"field 'top_k' must be >= 0, got {cfg.TopK}");
        return cfg;
    }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });
}
