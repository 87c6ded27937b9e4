using System.Reflection;
using System.Text.RegularExpressions;
using Reproduction.Theory.Checks;
using Reproduction.Theory.Statements;

namespace Repro.Tests.Docs;

/// <summary>
/// The results table of docs/theory.md against the registry of statements (<see cref="TheoryChecks.All"/>, what `repro theory`
/// runs): it names every statement and no other, a row says "refuted" exactly when its statements expect that verdict, its
/// source is theirs, and the test class it names exists in tests/Theorems and runs each of the row's statement objects.
/// </summary>
public sealed partial class TheoremTableTests
{
    private sealed record Row(int Line, string Status, string Source, IReadOnlyList<string> Ids, IReadOnlyList<string> Classes);

    private static IReadOnlyList<Row> Rows()
    {
        var lines = File.ReadAllLines(Path.Combine(DocPages.DocsFolder, "theory.md"));
        int start = Array.IndexOf(lines, "## Results and their status");
        Assert.True(start >= 0, "docs/theory.md has no heading '## Results and their status'");
        var rows = new List<Row>();
        for (int i = start + 1; i < lines.Length && !lines[i].StartsWith('#'); i++)
        {
            if (!lines[i].StartsWith('|') || lines[i].StartsWith("| Result", StringComparison.Ordinal) || lines[i].StartsWith("| ---", StringComparison.Ordinal)) continue;
            // Cells are read from the right: the statement in the first column may hold pipes of its own (|X|, sup|f|).
            var cells = lines[i].Trim().Trim('|').Split('|');
            Assert.True(cells.Length >= 5, $"docs/theory.md:{i + 1}: a row of the results table needs 5 columns");
            string Cell(int fromRight) => cells[^fromRight].Trim();
            rows.Add(new Row(i + 1, Cell(4), Cell(3), Quoted(Cell(2)), Quoted(Cell(1))));
        }
        return rows;
    }

    private static List<string> Quoted(string cell) => Backticked().Matches(cell).Select(m => m.Groups[1].Value).ToList();

    private static IEnumerable<TheoremStatement> Matching(string id) => id.EndsWith('*')
        ? TheoryChecks.All.Where(c => c.Id.StartsWith(id[..^1], StringComparison.Ordinal))
        : TheoryChecks.All.Where(c => c.Id == id);

    [Fact]
    public void The_table_names_every_check_and_only_checks_that_exist()
    {
        var rows = Rows();
        Assert.NotEmpty(rows);
        foreach (var row in rows)
            foreach (var id in row.Ids)
                Assert.True(Matching(id).Any(), $"docs/theory.md:{row.Line}: `{id}` is no check of `repro theory`");
        var named = rows.SelectMany(r => r.Ids).SelectMany(Matching).Select(c => c.Id).ToHashSet();
        var missing = TheoryChecks.All.Select(c => c.Id).Where(id => !named.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"docs/theory.md: the results table names no row for {string.Join(", ", missing)}");
    }

    [Fact]
    public void A_row_says_refuted_exactly_when_its_checks_expect_it_and_its_source_is_theirs()
    {
        foreach (var row in Rows())
        {
            var checks = row.Ids.SelectMany(Matching).ToList();
            bool refuted = row.Status.Contains("refuted", StringComparison.Ordinal);
            Assert.All(checks, c => Assert.True((c.Expected == Verdict.Refuted) == refuted,
                $"docs/theory.md:{row.Line}: status '{row.Status}', but {c.Id} expects {c.Expected}"));
            var source = row.Source.Split(' ', '(')[0];
            Assert.All(checks, c => Assert.True(string.Equals(c.Source.ToString(), source, StringComparison.OrdinalIgnoreCase),
                $"docs/theory.md:{row.Line}: source '{row.Source}', but {c.Id} is {c.Source}"));
        }
    }

    /// <summary>The C# name of every registered statement, as the tests refer to it: "Theorem31Statements.Identity".</summary>
    private static Dictionary<TheoremStatement, string> MemberNames() =>
        typeof(TheoremStatement).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(TheoremStatement).Namespace)
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Static)
                .Where(p => typeof(TheoremStatement).IsAssignableFrom(p.PropertyType))
                .Select(p => (Statement: (TheoremStatement)p.GetValue(null)!, Name: $"{t.Name}.{p.Name}")))
            .ToDictionary(m => m.Statement, m => m.Name);

    [Fact]
    public void The_test_classes_the_table_names_exist_and_run_the_rows_statements()
    {
        var files = Directory.EnumerateFiles(Path.Combine(SharedData.RepoRoot, "tests", "Theorems"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).Select(File.ReadAllText).ToList();
        var names = MemberNames();
        Assert.All(TheoryChecks.All, c => Assert.True(names.ContainsKey(c), $"{c.Id} is registered but is no public static member of {typeof(TheoremStatement).Namespace}"));
        foreach (var row in Rows())
            foreach (var name in row.Classes)
            {
                var source = files.FirstOrDefault(f => Regex.IsMatch(f, $@"\bclass\s+{Regex.Escape(name)}\b"));
                Assert.True(source is not null, $"docs/theory.md:{row.Line}: no test class {name} in tests/Theorems");
                foreach (var statement in row.Ids.SelectMany(Matching))
                    Assert.True(source.Contains(names[statement], StringComparison.Ordinal),
                        $"docs/theory.md:{row.Line}: {name} does not run {statement.Id} ({names[statement]})");
            }
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();
}
