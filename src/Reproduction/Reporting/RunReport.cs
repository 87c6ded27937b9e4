using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Reproduction.IO;

namespace Reproduction.Reporting;

/// <summary>One evaluation of a tracked metric at a global training step (step 0 is the base model), with its 95% interval when sampled.</summary>
public sealed record CurvePoint(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("ci95_low"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CiLow = null,
    [property: JsonPropertyName("ci95_high"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CiHigh = null);

/// <summary>
/// A tracked metric (e.g. <c>sft_test_ce</c>, <c>mean1_robust</c>) along a whole pipeline, for one seed.
/// <c>boundary</c> is this seed's stage boundary when it differs from the pipeline's (an RL stage stopped at a plateau).
/// </summary>
public sealed record Curve(
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("points")] IReadOnlyList<CurvePoint> Points,
    [property: JsonPropertyName("boundary"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Boundary = null);

/// <summary>A stage of a pipeline (e.g. <c>sft</c> for 214 steps, then <c>grpo</c> for 60).</summary>
public sealed record Stage(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("steps")] int Steps);

/// <summary>One pipeline of the study: its stages on one global step axis and every tracked curve of every seed.</summary>
public sealed record PipelineResult(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("stages")] IReadOnlyList<Stage> Stages,
    [property: JsonPropertyName("curves")] IReadOnlyList<Curve> Curves)
{
    /// <summary>The global step at which the second stage starts.</summary>
    [JsonIgnore] public int Boundary => Stages.Count > 0 ? Stages[0].Steps : 0;

    public IReadOnlyList<Curve> CurvesOf(string metric) => Curves.Where(c => c.Metric == metric).OrderBy(c => c.Seed).ToList();

    /// <summary>
    /// The curves on the pipeline's common step axis: a seed whose first stage ended at its own boundary b has its
    /// boundary point and second-stage points shifted by (Boundary − b), so every seed's first stage ends and second
    /// stage starts at <see cref="Boundary"/> and per-step means compare like with like. Curves without their own
    /// boundary are unchanged.
    /// </summary>
    public IReadOnlyList<Curve> AlignedCurvesOf(string metric) => CurvesOf(metric).Select(c => c.Boundary is { } b && b != Boundary
        ? c with { Points = c.Points.Select(p => p.Step >= b ? p with { Step = p.Step - b + Boundary } : p).ToList(), Boundary = Boundary }
        : c).ToList();

    public IEnumerable<string> Metrics => Curves.Select(c => c.Metric).Distinct();
}

/// <summary>
/// `report.json` of a run folder: every number of a study run with its environment block. Written by the
/// pipelines, read by `repro report`, `repro gate` and `repro baseline record` (also for imported runs).
/// </summary>
public sealed record RunReport(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("preset")] string Preset,
    [property: JsonPropertyName("seeds")] IReadOnlyList<int> Seeds,
    [property: JsonPropertyName("environment")] JsonObject Environment,
    [property: JsonPropertyName("decisions")] IReadOnlyDictionary<string, string> Decisions,
    [property: JsonPropertyName("pipelines")] IReadOnlyList<PipelineResult> Pipelines)
{
    /// <summary>Per seed: the testbed's own checks (the base's latent skill, each stage's effect) and the mechanism table (written by `repro study`).</summary>
    [JsonPropertyName("mechanisms"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public JsonObject? Mechanisms { get; init; }

    public const string FileName = "report.json";
    public const string CurrentFormat = "repro-run-v1";

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public PipelineResult Pipeline(string id) =>
        Pipelines.FirstOrDefault(p => p.Id == id) ?? throw new ReproException($"{FileName}: no pipeline '{id}' (has: {string.Join(", ", Pipelines.Select(p => p.Id))})");

    public static RunReport Load(string runDirOrFile)
    {
        var path = Directory.Exists(runDirOrFile) ? Path.Combine(runDirOrFile, FileName) : runDirOrFile;
        if (!File.Exists(path)) throw ReproException.ForFile(path, "run report not found (a run folder holds report.json)");
        RunReport? report;
        try { report = JsonSerializer.Deserialize<RunReport>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw ReproException.ForFile(path, $"invalid JSON: {e.Message}"); }
        if (report is null || report.Format != CurrentFormat || report.Pipelines is null)
            throw ReproException.ForFile(path, $"not a run report (expected format '{CurrentFormat}')");
        foreach (var p in report.Pipelines)
            foreach (var c in p.Curves)
                if (c.Points.Any(pt => !double.IsFinite(pt.Value)))
                    throw ReproException.ForFile(path, $"pipeline '{p.Id}', metric '{c.Metric}', seed {c.Seed}: non-finite value");
        return report;
    }

    /// <summary>
    /// Replaces every non-finite number in <paramref name="node"/> with null (JSON has no NaN or ∞): a random-weight dry
    /// run's label AUC is NaN when every belief ties. Returns the node.
    /// </summary>
    public static T NullNonFinite<T>(T node) where T : JsonNode
    {
        static bool Bad(JsonNode? n) => n is JsonValue v && v.TryGetValue<double>(out var d) && !double.IsFinite(d);
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(kv => kv.Key).ToList())
                    if (Bad(o[key])) o[key] = null;
                    else if (o[key] is { } child) NullNonFinite(child);
                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++)
                    if (Bad(a[i])) a[i] = null;
                    else if (a[i] is { } child) NullNonFinite(child);
                break;
        }
        return node;
    }

    public void Save(string runDir) =>
        AtomicFile.WriteAllText(Path.Combine(runDir, FileName), JsonSerializer.Serialize(this, Json));
}
