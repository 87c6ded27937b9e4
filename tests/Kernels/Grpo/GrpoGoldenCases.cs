using System.Text.Json.Nodes;
using Reproduction.Grpo;
using Reproduction.Rewards;

namespace Repro.Tests.Grpo;

/// <summary>
/// Reader for shared/golden/grpo/*.json (TRL v1.9.0 GRPO golden cases; field meanings in its README.md).
/// Every file and every case is enumerated when tests are discovered; nothing is named in code.
/// </summary>
public static class GrpoGoldenCases
{
    /// <summary>The sentinel row used when shared/ is absent, so the theory skips (fails under CI) instead of vanishing.</summary>
    public const string Absent = "(golden data absent)";

    public static readonly string[] DTypes = ["float64", "float32"];

    /// <summary>Rows (file/case id, dtype) for every case in every golden file.</summary>
    public static TheoryData<string, string> All()
    {
        var data = new TheoryData<string, string>();
        var dir = SharedData.Root is { } root ? Path.Combine(root, "golden", "grpo") : null;
        var ids = dir is not null && Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal)
                .SelectMany(f => Cases(f).Select(c => $"{Path.GetFileName(f)}/{c["name"]!.GetValue<string>()}"))
                .ToList()
            : [];
        if (ids.Count == 0) ids.Add(Absent);
        foreach (var id in ids)
            foreach (var dt in DTypes)
                data.Add(id, dt);
        return data;
    }

    /// <summary>The case JSON for an id from <see cref="All"/> (skips when shared/ is absent).</summary>
    public static JsonObject Load(string id)
    {
        var dir = SharedData.Require("golden", "grpo");
        if (id == Absent) Assert.Fail($"{dir} exists but holds no GRPO golden cases");
        var slash = id.IndexOf('/');
        var file = Path.Combine(dir, id[..slash]);
        var name = id[(slash + 1)..];
        return Cases(file).Single(c => c["name"]!.GetValue<string>() == name);
    }

    private static IEnumerable<JsonObject> Cases(string file) =>
        JsonNode.Parse(File.ReadAllText(file))!["cases"]!.AsArray().Select(c => c!.AsObject());

    /// <summary>The GrpoOptions of a case, built through the JSON loader (so it is exercised too).</summary>
    public static GrpoOptions Options(JsonObject c)
    {
        var cfg = c["config"]!.AsObject();
        var json = new JsonObject
        {
            ["loss_type"] = cfg["loss_type"]!.DeepClone(),
            ["beta"] = cfg["beta"]!.DeepClone(),
            ["epsilon_low"] = cfg["epsilon_low"]!.DeepClone(),
            ["epsilon_high"] = cfg["epsilon_high"]?.DeepClone(),
            ["num_generations"] = cfg["num_generations"]!.DeepClone(),
            ["scale_rewards"] = cfg["scale_rewards"]!.DeepClone(),
            ["max_completion_length"] = cfg["max_completion_length"]!.DeepClone(),
            ["gradient_accumulation_steps"] = cfg["grad_accum_steps"]!.DeepClone(),
            ["delta"] = cfg["delta"]?.DeepClone(),
            ["use_bias_correction_kl"] = cfg["use_bias_correction_kl"]!.DeepClone(),
        };
        if (cfg["reward_weights"] is { } w) json["reward_weights"] = w.DeepClone();
        return GrpoOptions.FromJson(json.ToJsonString(), c["name"]!.GetValue<string>());
    }

    /// <summary>The case's rewards, weighted when it gives rewards_per_func; NaN marks unscorable.</summary>
    public static double[] Rewards(JsonObject c, GrpoOptions o)
    {
        var inputs = c["inputs"]!.AsObject();
        if (inputs["rewards"] is { } r) return Flat(r);
        return inputs["rewards_per_func"]!.AsArray()
            .Select(row => RewardWeighting.WeightedSum(
                row!.AsArray().Select(v => v is null ? (double?)null : v.GetValue<double>()).ToList(), o.RewardWeights))
            .ToArray();
    }

    public static JsonNode? Input(JsonObject c, string key) => c["inputs"]![key];
    public static JsonNode? Expected(JsonObject c, string key) => c["expected"]![key];
    public static JsonNode Config(JsonObject c, string key) => c["config"]![key]!;

    /// <summary>A nested JSON array flattened row-major; null → NaN.</summary>
    public static double[] Flat(JsonNode node) => node switch
    {
        JsonArray a => a.SelectMany(e => e is null ? [double.NaN] : Flat(e)).ToArray(),
        JsonValue v => [v.GetValue<double>()],
        _ => throw new InvalidOperationException($"unexpected JSON {node}"),
    };

    /// <summary>Shape [rows, cols] of a B×T JSON array.</summary>
    public static long[] Shape2(JsonNode node) => [node.AsArray().Count, node.AsArray()[0]!.AsArray().Count];
}
