using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Reproduction.Grpo;

namespace Repro.Tests.Grpo;

/// <summary>docs/options.md's option table is the options record: the same JSON names, and the defaults it holds.</summary>
public sealed class GrpoOptionsDocTests
{
    private static string Doc => Path.Combine(SharedData.RepoRoot, "docs", "options.md");

    /// <summary>The table's rows: the backticked names of the first column, each with its cell of the default column.</summary>
    private static List<(string Name, string Default)> Rows()
    {
        var lines = File.ReadLines(Doc).SkipWhile(l => !l.StartsWith("| `GrpoOptions` (JSON)", StringComparison.Ordinal)).Skip(2)
            .TakeWhile(l => l.StartsWith('|')).ToList();
        Assert.NotEmpty(lines);
        var rows = new List<(string, string)>();
        foreach (var line in lines)
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();                 // "", name(s), default, TRL, verl, differences, ""
            var names = cells[1].Split(", ").Select(n => n.Trim('`')).ToArray();
            var defaults = cells[2].Split(" (")[0].Split(", ");                          // "0.9, 0.999" for `adam_beta1`, `adam_beta2`
            Assert.True(names.Length == defaults.Length, $"docs/options.md: '{line}' has {names.Length} names and {defaults.Length} defaults");
            rows.AddRange(names.Zip(defaults));
        }
        return rows;
    }

    [Fact]
    public void Every_json_name_of_GrpoOptions_has_a_row_and_every_row_names_one()
    {
        var fields = typeof(GrpoOptions).GetProperties().Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name).OfType<string>().Order(StringComparer.Ordinal);
        Assert.Equal(fields, Rows().Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_default_column_is_what_a_new_GrpoOptions_holds()
    {
        var json = JsonNode.Parse(new GrpoOptions().ToJson())!.AsObject();
        Assert.All(Rows(), r =>
        {
            var cell = r.Default.Trim('`').Replace('−', '-');
            var value = json[r.Name];
            var expected = value is null ? "null" : value.GetValueKind() == System.Text.Json.JsonValueKind.Number ? value.GetValue<double>().ToString("R") : value.ToString();
            var documented = double.TryParse(cell, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d.ToString("R") : cell;
            Assert.True(expected == documented, $"docs/options.md: {r.Name} default '{r.Default}', GrpoOptions has {value?.ToJsonString() ?? "null"}");
        });
    }
}
