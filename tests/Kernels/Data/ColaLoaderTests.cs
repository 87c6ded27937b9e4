using System.Text;
using Reproduction;
using Reproduction.Data;

namespace Repro.Tests.Data;

/// <summary>The strict CoLA TSV reader: the release format, its quirks, and one clear error per kind of bad row.</summary>
public sealed class ColaLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-cola-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text) => WriteBytes(name, Encoding.UTF8.GetBytes(text));

    private string WriteBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void A_well_formed_file_gives_every_column_and_the_line_number()
    {
        var path = Write("ok.tsv", "gj04\t1\t\tOur friends won't buy this analysis.\nr-67\t0\t*\tHe said \"so\" it's.\n");
        var result = ColaLoader.LoadFile(path);
        Assert.Equal(
            [new ColaExample("gj04", 1, "", "Our friends won't buy this analysis.", 1), new ColaExample("r-67", 0, "*", "He said \"so\" it's.", 2)],
            result.Examples);
        Assert.Empty(result.Skipped);
    }

    [Fact]
    public void No_final_newline_CRLF_and_a_label_that_disagrees_with_the_mark_are_accepted_and_the_label_wins()
    {
        var path = Write("quirks.tsv", "r-67\t0\t\tThat he ever went there alone is certain.\r\ns_97\t1\t \tWho always drinks milk?");
        var rows = ColaLoader.LoadFile(path).Examples;
        Assert.Equal(2, rows.Count);
        Assert.Equal((0, ""), (rows[0].Label, rows[0].OriginalMark));
        Assert.Equal((1, " ", "Who always drinks milk?"), (rows[1].Label, rows[1].OriginalMark, rows[1].Sentence));
    }

    [Theory]
    [InlineData("gj04\t1\tOnly three columns.\n", 1, "expected 4 tab-separated columns")]
    [InlineData("gj04\t1\t\tFine.\ngj04\t1\t\tToo\tmany.\n", 2, "found 5")]
    [InlineData("gj04\t1\t\tFine.\n\ngj04\t1\t\tAfter a blank line.\n", 2, "found 1")]
    [InlineData("gj04\t2\t\tBad label.\n", 1, "label must be 0 or 1, found '2'")]
    [InlineData("gj04\tyes\t\tBad label.\n", 1, "label must be 0 or 1, found 'yes'")]
    [InlineData("gj04\t1\t\t\n", 1, "empty sentence")]
    [InlineData("\t1\t\tNo source.\n", 1, "empty source")]
    public void A_malformed_row_is_an_error_naming_the_file_the_line_and_the_reason(string text, int line, string reason)
    {
        var path = Write("bad.tsv", text);
        var e = Assert.Throws<ReproException>(() => ColaLoader.LoadFile(path));
        Assert.StartsWith($"{path}: line {line}: ", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Invalid_UTF8_is_an_error_naming_the_line()
    {
        var bytes = Encoding.UTF8.GetBytes("gj04\t1\t\tFine.\ngj04\t1\t\tBad ").Concat(new byte[] { 0xC3, 0x28 }).Concat("byte.\n"u8.ToArray()).ToArray();
        var path = WriteBytes("utf8.tsv", bytes);
        var e = Assert.Throws<ReproException>(() => ColaLoader.LoadFile(path));
        Assert.StartsWith($"{path}: line 2: invalid UTF-8", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\uFEFF")]
    public void An_empty_file_is_an_error_even_when_lenient(string text)
    {
        var path = Write("empty.tsv", text);
        var e = Assert.Throws<ReproException>(() => ColaLoader.LoadFile(path, lenient: true));
        Assert.Equal($"{path}: empty file (expected CoLA rows)", e.Message);
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_it()
    {
        var path = Path.Combine(_dir, "nope.tsv");
        Assert.Equal($"{path}: no such file", Assert.Throws<ReproException>(() => ColaLoader.LoadFile(path)).Message);
    }

    [Fact]
    public void Lenient_loading_skips_and_counts_malformed_rows_and_keeps_the_good_ones()
    {
        var bytes = Encoding.UTF8.GetBytes("a\t1\t\tOne.\nb\t7\t\tBad label.\nc\t0\t*\tTwo.\nshort\n")
            .Concat(new byte[] { 0xFF }).Concat("\t1\t\tBad bytes.\nd\t1\t\tThree.".Select(c => (byte)c)).ToArray();
        var path = WriteBytes("mixed.tsv", bytes);
        var result = ColaLoader.LoadFile(path, lenient: true);
        Assert.Equal(["One.", "Two.", "Three."], result.Examples.Select(e => e.Sentence));
        Assert.Equal([1, 3, 6], result.Examples.Select(e => e.Line));
        Assert.Equal(3, result.SkippedCount);
        Assert.Equal([2, 4, 5], result.Skipped.Select(s => s.Line));
        Assert.All(result.Skipped, s => Assert.Equal(path, s.Path));
        Assert.Contains("invalid UTF-8", result.Skipped[2].Reason);
    }

    [Fact]
    public void The_GLUE_layout_reads_train_and_dev_like_the_release_and_the_test_file_with_its_header_as_unlabeled()
    {
        Write("glue/train.tsv", "gj04\t1\t\tA.\n");
        Write("glue/dev.tsv", "gj04\t0\t*\tB.\n");
        Write("glue/test.tsv", "index\tsentence\n0\tBill whistled past the house.\n1\tThe car honked its way down the road.\n");
        var glue = Path.Combine(_dir, "glue");
        Assert.Equal("A.", ColaLoader.LoadGlue(glue, GlueColaFile.Train).Examples.Single().Sentence);
        Assert.Equal(0, ColaLoader.LoadGlue(glue, GlueColaFile.Dev).Examples.Single().Label);
        var test = ColaLoader.LoadGlue(glue, GlueColaFile.Test).Examples;
        Assert.Equal([new ColaExample("", -1, "", "Bill whistled past the house.", 2), new ColaExample("", -1, "", "The car honked its way down the road.", 3)], test);
        Assert.All(test, e => Assert.False(e.IsLabeled));
    }

    [Theory]
    [InlineData("0\tNo header.\n", 1, "expected the GLUE test header")]
    [InlineData("index\tsentence\nx\tBad index.\n", 2, "index must be a non-negative integer")]
    [InlineData("index\tsentence\n0\tA\tB\n", 2, "expected 2 tab-separated columns")]
    public void A_malformed_GLUE_test_file_is_an_error(string text, int line, string reason)
    {
        var path = Write("test.tsv", text);
        var e = Assert.Throws<ReproException>(() => ColaLoader.LoadFile(path, ColaFileFormat.GlueTest));
        Assert.StartsWith($"{path}: line {line}: {reason}", e.Message);
    }
}
