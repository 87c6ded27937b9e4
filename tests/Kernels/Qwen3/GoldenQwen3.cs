using System.Collections.Concurrent;
using System.Text.Json;
using Reproduction.IO;
using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Qwen3;

/// <summary>
/// One expected-output file pair of shared/golden/qwen3-tiny/expected (`STEM.json` + `STEM.safetensors`),
/// its checkpoint folder and compute dtype. Stems, cases, generation entries and trace points are discovered at test
/// time from the files, so a new checkpoint, case or point is picked up.
/// </summary>
public sealed class GoldenQwen3
{
    public const string Missing = "(golden data missing)";
    private static readonly ConcurrentDictionary<string, Lazy<GoldenQwen3>> Cache = new();
    private static readonly ConcurrentDictionary<string, Lazy<Qwen3ForCausalLM>> Models = new();

    public string Stem { get; }
    public string CheckpointFolder { get; }
    public ScalarType ComputeDtype { get; }
    public GoldenTolerances Tol { get; }
    public JsonElement Json { get; }
    private readonly SafetensorsReader _arrays;

    private GoldenQwen3(string root, string stem)
    {
        Stem = stem;
        var jsonPath = Path.Combine(root, "expected", stem + ".json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(jsonPath));
        Json = doc.RootElement.Clone();
        CheckpointFolder = Path.Combine(root, Json.GetProperty("checkpoint").GetString()!);
        ComputeDtype = DtypeNames.Parse(Json.GetProperty("compute_dtype").GetString()!);
        Tol = GoldenTolerances.For(ComputeDtype);
        _arrays = SafetensorsReader.OpenFile(Path.Combine(root, "expected", Json.GetProperty("tensors_file").GetString()!));
    }

    /// <summary>Every `expected/*.json` stem (e.g. "f32.float64"); one placeholder row when the data is absent (the test then skips).</summary>
    public static IEnumerable<TheoryDataRow<string>> Stems()
    {
        var root = Repro.Tests.SharedData.Root is { } r ? Path.Combine(r, "golden", "qwen3-tiny", "expected") : null;
        if (root is null || !Directory.Exists(root)) return [new TheoryDataRow<string>(Missing)];
        return Directory.EnumerateFiles(root, "*.json").Select(f => Path.GetFileNameWithoutExtension(f))
            .Order(StringComparer.Ordinal).Select(s => new TheoryDataRow<string>(s)).ToList();
    }

    /// <summary>Every checkpoint folder (a folder with a config.json) under shared/golden/qwen3-tiny.</summary>
    public static IEnumerable<string> CheckpointFolders() =>
        Directory.EnumerateDirectories(Repro.Tests.SharedData.Require("golden", "qwen3-tiny"))
            .Where(d => File.Exists(Path.Combine(d, "config.json"))).Order(StringComparer.Ordinal);

    public static GoldenQwen3 Get(string stem)
    {
        var root = Repro.Tests.SharedData.Require("golden", "qwen3-tiny");
        if (stem == Missing) Repro.Tests.SharedData.Require("golden", "qwen3-tiny", "expected");
        return Cache.GetOrAdd(stem, s => new Lazy<GoldenQwen3>(() => new GoldenQwen3(root, s))).Value;
    }

    /// <summary>The checkpoint loaded in the compute dtype (shared by the tests; read-only use).</summary>
    public Qwen3ForCausalLM Model => Models.GetOrAdd($"{CheckpointFolder}|{ComputeDtype}",
        _ => new Lazy<Qwen3ForCausalLM>(() => Qwen3ForCausalLM.FromPretrained(CheckpointFolder, ComputeDtype))).Value;

    /// <summary>An expected array as float64 (caller's dispose scope).</summary>
    public Tensor Array(string name) => _arrays.Load(name, ScalarType.Float64);

    /// <summary>Every array name in the expected tensors file.</summary>
    public IEnumerable<string> ArrayNames => _arrays.Entries.Keys;

    public JsonElement Case(string name) => Json.GetProperty("cases").GetProperty(name);

    public IEnumerable<string> CaseNames => Json.GetProperty("cases").EnumerateObject().Select(p => p.Name);

    public JsonElement Generation(string name) => Json.GetProperty("generation").GetProperty(name);

    public IEnumerable<string> GenerationNames => Json.GetProperty("generation").EnumerateObject().Select(p => p.Name);

    /// <summary>A [B, T] integer matrix from the JSON, or null for JSON null.</summary>
    public static Tensor? Ids(JsonElement c, string field)
    {
        if (!c.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        var rows = v.EnumerateArray().Select(r => r.EnumerateArray().Select(x => x.GetInt64()).ToArray()).ToArray();
        return torch.tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length], ScalarType.Int64);
    }

    /// <summary>A case's forward inputs: input_ids, and attention_mask / position_ids when the case has them.</summary>
    public static (Tensor Ids, Tensor? Mask, Tensor? Positions) Inputs(JsonElement c) =>
        (Ids(c, "input_ids") ?? throw new InvalidOperationException("golden case without input_ids"), Ids(c, "attention_mask"), Ids(c, "position_ids"));

    public static long[][] Matrix(JsonElement v) => v.EnumerateArray().Select(r => r.EnumerateArray().Select(x => x.GetInt64()).ToArray()).ToArray();
}
