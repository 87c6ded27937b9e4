using Reproduction.Text;

namespace Repro.Tests.Text;

/// <summary>
/// The repository's own reference cases (tests/Kernels/Text/golden/*.jsonl, from the Hugging Face tokenizers library;
/// see the README there): ids, decoding, and decoding with skipSpecialTokens, which keeps &lt;think&gt; and &lt;tool_call&gt;.
/// </summary>
public sealed class Qwen3TokenizerSkipSpecialTests(ShippedTokenizerFixture fixture)
{
    private static string Folder => Path.Combine(SharedData.RepoRoot, "tests", "Kernels", "Text", "golden");

    private static readonly Lazy<IReadOnlyList<GoldenCase>> AllCases = new(() =>
        Directory.EnumerateFiles(Folder, "*.jsonl").Order(StringComparer.Ordinal).SelectMany(GoldenCase.ReadFile).ToList());

    public static IEnumerable<TheoryDataRow<string, int>> Cases() =>
        AllCases.Value.Select(c => new TheoryDataRow<string, int>(c.File, c.Line) { TestDisplayName = $"{c.File}:{c.Line}" });

    private static GoldenCase Find(string file, int line) => AllCases.Value.Single(c => c.File == file && c.Line == line);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encoding_matches_the_reference_ids(string file, int line)
    {
        var golden = Find(file, line);
        Assert.Equal(golden.Ids, fixture.Tokenizer.Encode(golden.Text));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decoding_matches_the_reference_with_and_without_skipping_special_tokens(string file, int line)
    {
        var golden = Find(file, line);
        Assert.Equal(golden.Decoded, fixture.Tokenizer.Decode(golden.Ids));
        Assert.NotNull(golden.Skipped);
        Assert.Equal(golden.Skipped, fixture.Tokenizer.Decode(golden.Ids, skipSpecialTokens: true));
    }
}
