using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Reproduction.IO;

namespace Reproduction.Gating;

/// <summary>
/// A recorded curve with its tolerances, as TRL's invariant suite compares training curves: the seed-mean
/// of a new run must stay within <see cref="MaxAbsDelta"/> of the recorded mean at every recorded step, and
/// the mean signed residual over all steps within <see cref="MeanResidualTolerance"/> (a drift test).
/// <see cref="Boundary"/> is the recorded pipeline's stage boundary (the global step where its second stage starts):
/// a run whose first stage stopped elsewhere (an RL plateau stop on another CPU) is compared stage by stage.
/// </summary>
public sealed record BaselineCurve(
    [property: JsonPropertyName("pipeline")] string Pipeline,
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("steps")] IReadOnlyList<int> Steps,
    [property: JsonPropertyName("mean")] IReadOnlyList<double> Mean,
    [property: JsonPropertyName("max_abs_delta")] double MaxAbsDelta,
    [property: JsonPropertyName("mean_residual_tolerance")] double MeanResidualTolerance,
    [property: JsonPropertyName("boundary"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Boundary = null)
{
    /// <summary>
    /// The recorded points as (recorded step, the run's step it compares with, recorded mean). Without a recorded
    /// boundary, or with the run's own, steps compare as they are. Otherwise second-stage points keep their distance
    /// from the boundary (recorded b0 + k ↔ the run's b + k, so the end of stage 1 meets the end of stage 1), and
    /// first-stage points compare as they are up to the earlier of the two boundaries; recorded first-stage points
    /// past the run's boundary have nothing to compare with and are left out.
    /// </summary>
    public IReadOnlyList<(int Recorded, int Run, double Mean)> AlignedTo(int runBoundary)
    {
        var points = new List<(int, int, double)>();
        for (int i = 0; i < Steps.Count; i++)
        {
            int s = Steps[i];
            if (Boundary is not { } b0 || b0 == runBoundary) points.Add((s, s, Mean[i]));
            else if (s >= b0) points.Add((s, s - b0 + runBoundary, Mean[i]));
            else if (s < Math.Min(b0, runBoundary)) points.Add((s, s, Mean[i]));
        }
        return points;
    }
}

/// <summary>An end metric (base / end of stage 1 / end of stage 2) with its seed statistics and tolerance.</summary>
public sealed record BaselineEndMetric(
    [property: JsonPropertyName("pipeline")] string Pipeline,
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("point")] string Point,
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("std")] double Std,
    [property: JsonPropertyName("n")] int N,
    [property: JsonPropertyName("tolerance")] double Tolerance);

/// <summary>`baselines/X.json`: our own recorded run of a preset, with the tolerances a new run must meet.</summary>
public sealed record Baseline(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("preset")] string Preset,
    [property: JsonPropertyName("seeds")] IReadOnlyList<int> Seeds,
    [property: JsonPropertyName("tolerance_rule")] string ToleranceRule,
    [property: JsonPropertyName("environment")] JsonObject Environment,
    [property: JsonPropertyName("curves")] IReadOnlyList<BaselineCurve> Curves,
    [property: JsonPropertyName("end_metrics")] IReadOnlyList<BaselineEndMetric> EndMetrics)
{
    public const string CurrentFormat = "repro-baseline-v1";

    /// <summary>The checks this baseline refused to record, each with why (its band would span half of the metric's range): the gate does not pretend to check them.</summary>
    [JsonPropertyName("refused"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Refused { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static Baseline Load(string path)
    {
        if (!File.Exists(path)) throw ReproException.ForFile(path, "baseline not found");
        Baseline? b;
        try { b = JsonSerializer.Deserialize<Baseline>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw ReproException.ForFile(path, $"invalid JSON: {e.Message}"); }
        if (b is null || b.Format != CurrentFormat || b.Curves is null || b.EndMetrics is null)
            throw ReproException.ForFile(path, $"not a baseline (expected format '{CurrentFormat}')");
        foreach (var c in b.Curves)
            if (c.Steps.Count != c.Mean.Count)
                throw ReproException.ForFile(path, $"curve {c.Pipeline}/{c.Metric}: {c.Steps.Count} steps but {c.Mean.Count} values");
        return b;
    }

    public void Save(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }
}
