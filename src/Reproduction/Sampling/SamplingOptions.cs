using System.Text.Json.Serialization;
using Reproduction.Qwen3;

namespace Reproduction.Sampling;

/// <summary>
/// Decoding options with HF `generate` names and defaults (temperature 1.0, top_p 1.0, top_k 50 — transformers'
/// GenerationConfig defaults). Sampling needs an explicit seed: a seed reproduces a sample exactly.
/// `eos_token_id` null means "from the model's generation_config.json"; an empty list never stops early.
/// </summary>
public sealed record SamplingOptions
{
    [JsonPropertyName("max_new_tokens")] public int MaxNewTokens { get; init; } = 20;
    [JsonPropertyName("do_sample")] public bool DoSample { get; init; }
    [JsonPropertyName("temperature")] public double Temperature { get; init; } = 1.0;
    [JsonPropertyName("top_p")] public double TopP { get; init; } = 1.0;
    /// <summary>0 disables top-k (HF: `top_k=0` or None).</summary>
    [JsonPropertyName("top_k")] public int TopK { get; init; } = 50;
    [JsonPropertyName("seed")] public ulong? Seed { get; init; }
    [JsonPropertyName("eos_token_id")] public IReadOnlyList<long>? EosTokenIds { get; init; }
    [JsonPropertyName("pad_token_id")] public long? PadTokenId { get; init; }

    public static SamplingOptions Greedy(int maxNewTokens) => new() { MaxNewTokens = maxNewTokens };

    /// <summary>The sampling settings a model ships with (`generation_config.json`), with an explicit seed.</summary>
    public static SamplingOptions FromGenerationConfig(GenerationConfig g, int maxNewTokens, ulong seed) => new()
    {
        MaxNewTokens = maxNewTokens,
        DoSample = g.DoSample,
        Temperature = g.Temperature ?? 1.0,
        TopP = g.TopP ?? 1.0,
        TopK = (int)(g.TopK ?? 50),
        Seed = seed,
    };

    /// <summary>Throws a ReproException naming the option when a value is out of range.</summary>
    public SamplingOptions Validate()
    {
        if (MaxNewTokens < 1) throw new ReproException($"max_new_tokens: must be at least 1, got {MaxNewTokens}");
        if (!DoSample) return this;
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ReproException($"temperature: must be a positive number, got {Temperature}");
        if (!(TopP > 0 && TopP <= 1)) throw new ReproException($"top_p: must be in (0, 1], got {TopP}");
        if (TopK < 0) throw new ReproException($"top_k: must be >= 0 (0 disables), got {TopK}");
        if (Seed is null) throw new ReproException("seed: sampling (do_sample) needs an explicit seed");
        return this;
    }
}
