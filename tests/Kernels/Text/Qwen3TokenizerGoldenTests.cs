using System.Collections.Concurrent;
using Reproduction.Text;

namespace Repro.Tests.Text;

/// <summary>
/// The tokenizer against every line of every shared/golden/tokenizer/*.jsonl file (Hugging Face reference ids
/// and decodings). The files are enumerated when the tests are discovered, so a case dropped into that folder
/// becomes a test of its own with no code change.
/// </summary>
public sealed class Qwen3TokenizerGoldenTests(ShippedTokenizerFixture fixture)
{
    private const string NoGoldenFolder = "(golden folder missing)";
    private static readonly ConcurrentDictionary<string, IReadOnlyList<GoldenCase>> CasesByFile = new();

    /// <summary>(file name, line) of every case; one placeholder row when the folder is absent, so the test skips (fails under CI).</summary>
    public static IEnumerable<TheoryDataRow<string, int>> Cases()
    {
        var root = SharedData.Root;
        var folder = root is null ? null : Path.Combine(root, "golden", "tokenizer");
        if (folder is null || !Directory.Exists(folder))
        {
            yield return new TheoryDataRow<string, int>(NoGoldenFolder, 0);
            yield break;
        }
        foreach (var path in Directory.EnumerateFiles(folder, "*.jsonl").Order(StringComparer.Ordinal))
            foreach (var c in CasesByFile.GetOrAdd(Path.GetFileName(path), _ => GoldenCase.ReadFile(path)))
                yield return new TheoryDataRow<string, int>(c.File, c.Line) { TestDisplayName = $"{c.File}:{c.Line} [{c.Category}]" };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encoding_matches_the_reference_ids(string file, int line)
    {
        var golden = Find(file, line);
        Assert.Equal(golden.Ids, fixture.Tokenizer.Encode(golden.Text));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decoding_the_reference_ids_gives_the_reference_text(string file, int line)
    {
        var golden = Find(file, line);
        Assert.Equal(golden.Decoded, fixture.Tokenizer.Decode(golden.Ids));
    }

    private static GoldenCase Find(string file, int line)
    {
        var folder = SharedData.Require("golden", "tokenizer");
        Assert.NotEqual(NoGoldenFolder, file);
        var cases = CasesByFile.GetOrAdd(file, f => GoldenCase.ReadFile(Path.Combine(folder, f)));
        return cases.Single(c => c.Line == line);
    }
}
