using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reproduction.Theory.Checks;

/// <summary>The `repro theory --json` form: an array of objects with exactly the keys id, statement, source, verdict, cases, worstMargin, detail.</summary>
public static class TheoryReport
{
    public static readonly string[] JsonKeys = ["id", "statement", "source", "verdict", "cases", "worstMargin", "detail"];

    public static string SourceName(CheckSource s) => s.ToString().ToLowerInvariant();
    public static string VerdictName(Verdict v) => v.ToString().ToLowerInvariant();

    public static string ToJson(IEnumerable<TheoryCheckResult> results)
    {
        var array = new JsonArray();
        foreach (var r in results)
            array.Add(new JsonObject
            {
                ["id"] = r.Id,
                ["statement"] = r.Statement,
                ["source"] = SourceName(r.Source),
                ["verdict"] = VerdictName(r.Verdict),
                ["cases"] = r.Cases,
                ["worstMargin"] = r.WorstMargin,
                ["detail"] = r.Detail,
            });
        return array.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>0 when every verdict equals its expected verdict, else 1.</summary>
    public static int ExitCode(IEnumerable<TheoryCheckResult> results) => results.All(r => r.AsExpected) ? 0 : 1;
}
