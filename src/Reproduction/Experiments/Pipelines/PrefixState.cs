using System.Text.Json;
using System.Text.Json.Serialization;
using Reproduction.Reporting;

namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// What the later stages and the report need of a pipeline prefix besides its model: the tracked curves so far and,
/// per stage, its result, its training log lines and how many curve points it had at its end (so a reused stage's log
/// and TensorBoard run can be written into a new run folder as the stage wrote them).
/// </summary>
public sealed record PrefixState(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("ce")] IReadOnlyList<CurvePoint> Ce,
    [property: JsonPropertyName("robust")] IReadOnlyList<CurvePoint> Robust,
    [property: JsonPropertyName("strict")] IReadOnlyList<CurvePoint> Strict,
    [property: JsonPropertyName("stages")] IReadOnlyList<StageRecord> Stages)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static PrefixState Parse(string json)
    {
        var state = JsonSerializer.Deserialize<PrefixState>(json, Json) ?? throw new JsonException("empty state");
        if (state.Format != StageKey.Format || state.Ce is null || state.Robust is null || state.Strict is null || state.Stages is null)
            throw new JsonException($"not a {StageKey.Format} state");
        return state;
    }
}

/// <summary>One stage of a cached prefix: its result, its metrics lines as written, and the curve point counts at its end.</summary>
public sealed record StageRecord(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("values")] IReadOnlyDictionary<string, double> Values,
    [property: JsonPropertyName("metrics")] IReadOnlyList<string> MetricsLines,
    [property: JsonPropertyName("points")] IReadOnlyList<int> PointsAtEnd)
{
    public StageResult Result => new(Steps, Values);
}
