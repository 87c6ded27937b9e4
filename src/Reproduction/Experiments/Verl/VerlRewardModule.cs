using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reproduction.Experiments.Verl;

/// <summary>One row of the shared reward case table: a completion, its label and each reward's expected score.</summary>
public sealed record RewardCase(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("completion")] string Completion,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("strict")] double Strict,
    [property: JsonPropertyName("strict_fixed")] double StrictFixed,
    [property: JsonPropertyName("robust")] double Robust,
    [property: JsonPropertyName("label_only")] double LabelOnly);

/// <summary>
/// The Python reward module for verl (<c>assets/verl/cola_reward.py</c>, embedded): strict (faithful), strict-fixed,
/// robust and label-only, each a verl <c>compute_score(data_source, solution_str, ground_truth, extra_info=None)</c>
/// entry point, and the shared case table (<c>assets/verl/reward-cases.json</c>) that both it and the C# rewards must
/// reproduce. Both are written into an exported run folder under <c>reward/</c>.
/// </summary>
public static class VerlRewardModule
{
    public const string ModuleFile = "cola_reward.py", CasesFile = "reward-cases.json";

    /// <summary>verl's <c>custom_reward_function.name</c> for each training reward the module offers.</summary>
    public static IReadOnlyDictionary<string, string> EntryPoints { get; } = new Dictionary<string, string>
    {
        ["strict"] = "compute_score", ["strict_fixed"] = "compute_score_strict_fixed",
        ["robust"] = "compute_score_robust", ["label_only"] = "compute_score_label_only",
    };

    public static string PythonSource => Resource(ModuleFile);

    public static string CaseTableJson => Resource(CasesFile);

    public static IReadOnlyList<RewardCase> Cases => ParseCases(CaseTableJson, CasesFile);

    public static IReadOnlyList<RewardCase> ParseCases(string json, string source)
    {
        try
        {
            var doc = JsonSerializer.Deserialize<CaseTable>(json, new JsonSerializerOptions { RespectNullableAnnotations = true });
            return doc?.Cases is { Count: > 0 } cases ? cases : throw ReproException.ForFile(source, "no cases");
        }
        catch (JsonException e) { throw ReproException.ForFile(source, $"invalid case table: {e.Message}", e); }
    }

    private sealed record CaseTable([property: JsonPropertyName("cases")] IReadOnlyList<RewardCase> Cases);

    private static string Resource(string file)
    {
        var name = $"Reproduction.Verl.{file}";
        using var stream = typeof(VerlRewardModule).Assembly.GetManifestResourceStream(name)
                           ?? throw new InvalidOperationException($"embedded resource {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
