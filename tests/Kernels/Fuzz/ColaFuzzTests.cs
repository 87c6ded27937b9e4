using Reproduction;
using Reproduction.Data;
using Repro.Tests.IO;

namespace Repro.Tests.Fuzz;

/// <summary>
/// Fuzzes CoLA TSV files from the shipped copy (assets/cola/raw/in_domain_dev.tsv): rows with a column too many or too
/// few, bad labels, empty fields, invalid UTF-8, stray CRs, empty lines, random bytes; truncation; the empty file. The
/// two modes are checked against each other: lenient loading never throws (but on an empty file) and accounts for every
/// line (examples + skipped = lines); strict loading throws iff lenient skipped a row, with "PATH: line N: reason" of the
/// first skipped row.
/// </summary>
public sealed class ColaFuzzTests
{
    private static byte[] Shipped() =>
        File.ReadAllBytes(Path.Combine(Repro.Tests.SharedData.RepoRoot, "assets", "cola", "raw", "in_domain_dev.tsv"));

    private static byte[] Mutate(Random r, List<byte[]> lines, int count, out bool trailingNewline)
    {
        var mutated = lines.Take(r.Next(1, 41)).ToList();          // the first rows: enough for every mutation, cheap to parse
        for (int i = 0; i < count; i++)
        {
            if (mutated.Count == 0) mutated.Add([]);
            int k = r.Next(mutated.Count);
            switch (r.Next(8))
            {
                case 0: mutated.Insert(k, []); break;                                   // an empty line
                case 1: mutated.RemoveAt(k); break;
                default: mutated[k] = Mutations.MutateLine(r, mutated[k]); break;
            }
        }
        trailingNewline = r.Next(2) == 0;
        var bytes = new List<byte>();
        if (r.Next(10) == 0) bytes.AddRange([0xEF, 0xBB, 0xBF]);                        // a BOM (allowed)
        for (int i = 0; i < mutated.Count; i++)
        {
            bytes.AddRange(mutated[i]);
            if (i < mutated.Count - 1 || trailingNewline) bytes.Add((byte)'\n');
        }
        var data = bytes.ToArray();
        return r.Next(10) == 0 ? Mutations.Truncate(r, data) : data;
    }

    /// <summary>The shipped rows, or (GLUE test layout) "index&lt;TAB&gt;sentence" then "N&lt;TAB&gt;sentence" rows made from them.</summary>
    private static List<byte[]> Seed(ColaFileFormat format)
    {
        var lines = Mutations.Lines(Shipped());
        if (format == ColaFileFormat.Labeled) return lines;
        return [System.Text.Encoding.UTF8.GetBytes(ColaLoader.GlueTestHeader),
            .. lines.Select((l, i) => System.Text.Encoding.UTF8.GetBytes($"{i}\t{System.Text.Encoding.UTF8.GetString(l).Split('\t')[^1]}"))];
    }

    private static void LineMutations(int cases, ColaFileFormat format = ColaFileFormat.Labeled)
    {
        var lines = Seed(format);
        using var tmp = new TempFolder();
        var path = tmp.File("in_domain_dev.tsv");
        FuzzCase.Run(cases, c =>
        {
            var r = c.Random();
            var data = Mutate(r, lines, c.Mutations, out _);
            File.WriteAllBytes(path, data);
            ColaLoadResult? lenient = null;
            var lenientRefusal = LoadContract.Check(path, () => lenient = ColaLoader.LoadFile(path, format, lenient: true), c);
            var strictRefusal = LoadContract.Check(path, () => ColaLoader.LoadFile(path, format), c);
            var body = data.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? data[3..] : data;
            if (body.Length == 0)
            {
                Assert.Equal($"{path}: empty file (expected CoLA rows)", lenientRefusal);
                Assert.Equal(lenientRefusal, strictRefusal);
                return;
            }
            Assert.True(lenientRefusal is null, $"{c}: lenient loading threw: {lenientRefusal}");
            var bodyLines = Mutations.Lines(body);
            var first = bodyLines[0].AsSpan();
            if (first.EndsWith((ReadOnlySpan<byte>)[(byte)'\r'])) first = first[..^1];
            int header = format == ColaFileFormat.GlueTest && first.SequenceEqual(System.Text.Encoding.UTF8.GetBytes(ColaLoader.GlueTestHeader)) ? 1 : 0;
            Assert.Equal(bodyLines.Count, header + lenient!.Examples.Count + lenient.SkippedCount);
            if (lenient.SkippedCount == 0)
                Assert.True(strictRefusal is null, $"{c}: strict loading refused a file lenient loading took whole: {strictRefusal}");
            else
                Assert.Equal(ReproException.ForFile(path, $"line {lenient.Skipped[0].Line}: {lenient.Skipped[0].Reason}").Message, strictRefusal);
        });
    }

    [Fact]
    public void Line_mutations_are_skipped_and_counted_leniently_and_refused_strictly() => LineMutations(FuzzBudget.Small * 2);

    [Fact, Trait("Category", "Fuzz")]
    public void Line_mutations_are_skipped_and_counted_leniently_and_refused_strictly_large()
    {
        FuzzBudget.RequireOptIn();
        LineMutations(FuzzBudget.Large);
    }

    [Fact]
    public void Glue_test_file_mutations_are_skipped_and_counted_leniently_and_refused_strictly() => LineMutations(FuzzBudget.Small, ColaFileFormat.GlueTest);

    [Fact, Trait("Category", "Fuzz")]
    public void Glue_test_file_mutations_are_skipped_and_counted_leniently_and_refused_strictly_large()
    {
        FuzzBudget.RequireOptIn();
        LineMutations(FuzzBudget.Large, ColaFileFormat.GlueTest);
    }

    [Theory]
    [InlineData("gj04\t1\t\tGood.\ngj04\t2\t\tBad label.\n", "line 2: label must be 0 or 1, found '2'")]
    [InlineData("gj04\t1\tGood.\n", "line 1: expected 4 tab-separated columns (source, label, original mark, sentence), found 3")]
    [InlineData("gj04\t1\t\tGo\xFFod.\n", "line 1: invalid UTF-8 (byte 10 of the line)")]
    [InlineData("", "empty file (expected CoLA rows)")]
    public void Named_malformed_files_are_refused_with_the_line(string latin1, string problem)
    {
        using var tmp = new TempFolder();
        var path = tmp.File("train.tsv");
        File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes(latin1));
        Assert.Equal($"{path}: {problem}", LoadContract.Check(path, () => ColaLoader.LoadFile(path), "named"));
    }
}
