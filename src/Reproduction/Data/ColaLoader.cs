using System.Globalization;
using System.Text;

namespace Reproduction.Data;

/// <summary>
/// Strict reader of CoLA TSV files: UTF-8, LF (a CR before it is tolerated), tab-separated, no quoting (sentences
/// contain <c>"</c> and <c>'</c>), a final newline optional (out_of_domain_dev.tsv has none).
/// <para>A malformed row (wrong column count, a label other than 0/1, an empty source or sentence, invalid UTF-8) is a
/// <see cref="ReproException"/> "PATH: line N: reason". With <c>lenient: true</c> such rows are skipped and listed in
/// <see cref="ColaLoadResult.Skipped"/> instead. A missing or empty file is always an error.</para>
/// </summary>
public static class ColaLoader
{
    public const string GlueTestHeader = "index\tsentence";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>One split of the official release. <paramref name="releaseDir"/> is the folder holding `raw/`
    /// (and `tokenized/`), or the folder holding `cola_public/`.</summary>
    public static ColaLoadResult LoadRelease(string releaseDir, ColaSplit split, bool tokenized = false, bool lenient = false)
    {
        var root = Directory.Exists(Path.Combine(releaseDir, "cola_public")) ? Path.Combine(releaseDir, "cola_public") : releaseDir;
        var path = Path.Combine(root, tokenized ? "tokenized" : "raw", ColaSplitInfo.For(split).FileName);
        return LoadFile(path, ColaFileFormat.Labeled, lenient);
    }

    /// <summary>One file of the GLUE layout (`train.tsv`, `dev.tsv`, `test.tsv` in <paramref name="glueDir"/>).</summary>
    public static ColaLoadResult LoadGlue(string glueDir, GlueColaFile file, bool lenient = false) => file switch
    {
        GlueColaFile.Train => LoadFile(Path.Combine(glueDir, "train.tsv"), ColaFileFormat.Labeled, lenient),
        GlueColaFile.Dev => LoadFile(Path.Combine(glueDir, "dev.tsv"), ColaFileFormat.Labeled, lenient),
        GlueColaFile.Test => LoadFile(Path.Combine(glueDir, "test.tsv"), ColaFileFormat.GlueTest, lenient),
        _ => throw new ArgumentOutOfRangeException(nameof(file), file, "unknown GLUE CoLA file"),
    };

    public static ColaLoadResult LoadFile(string path, ColaFileFormat format = ColaFileFormat.Labeled, bool lenient = false)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw ReproException.ForFile(path, "no such file", e);
        }
        return Parse(path, bytes, format, lenient);
    }

    /// <summary>Parses file contents already in memory; <paramref name="path"/> only names the file in errors.</summary>
    public static ColaLoadResult Parse(string path, ReadOnlySpan<byte> bytes, ColaFileFormat format = ColaFileFormat.Labeled, bool lenient = false)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        if (bytes.IsEmpty) throw ReproException.ForFile(path, "empty file (expected CoLA rows)");

        var examples = new List<ColaExample>();
        var skipped = new List<ColaRowError>();
        int lineNo = 0;
        while (!bytes.IsEmpty)
        {
            lineNo++;
            int nl = bytes.IndexOf((byte)'\n');
            var raw = nl < 0 ? bytes : bytes[..nl];
            bytes = nl < 0 ? [] : bytes[(nl + 1)..];
            if (!raw.IsEmpty && raw[^1] == (byte)'\r') raw = raw[..^1];

            string? reason;
            ColaExample? example = null;
            string line;
            try
            {
                line = StrictUtf8.GetString(raw);
                reason = format == ColaFileFormat.GlueTest && lineNo == 1
                    ? (line == GlueTestHeader ? null : $"expected the GLUE test header 'index<TAB>sentence', found '{Shorten(line)}'")
                    : ParseRow(line, lineNo, format, out example);
            }
            catch (DecoderFallbackException e)
            {
                reason = $"invalid UTF-8 (byte {e.Index} of the line)";
            }

            if (reason is not null)
            {
                if (!lenient) throw ReproException.ForFile(path, $"line {lineNo}: {reason}");
                skipped.Add(new ColaRowError(path, lineNo, reason));
            }
            else if (example is not null)
            {
                examples.Add(example);
            }
        }
        return new ColaLoadResult(path, examples, skipped);
    }

    private static string? ParseRow(string line, int lineNo, ColaFileFormat format, out ColaExample? example)
    {
        example = null;
        var cols = line.Split('\t');
        if (format == ColaFileFormat.GlueTest)
        {
            if (cols.Length != 2) return $"expected 2 tab-separated columns (index, sentence), found {cols.Length}";
            if (!int.TryParse(cols[0], NumberStyles.None, CultureInfo.InvariantCulture, out _))
                return $"index must be a non-negative integer, found '{Shorten(cols[0])}'";
            if (string.IsNullOrWhiteSpace(cols[1])) return "empty sentence";
            example = new ColaExample("", ColaExample.Unlabeled, "", cols[1], lineNo);
            return null;
        }

        if (cols.Length != 4)
            return $"expected 4 tab-separated columns (source, label, original mark, sentence), found {cols.Length}";
        int label = cols[1] switch { "1" => ColaExample.Acceptable, "0" => ColaExample.Unacceptable, _ => int.MinValue };
        if (label == int.MinValue) return $"label must be 0 or 1, found '{Shorten(cols[1])}'";
        if (cols[0].Length == 0) return "empty source";
        if (string.IsNullOrWhiteSpace(cols[3])) return "empty sentence";
        example = new ColaExample(cols[0], label, cols[2], cols[3], lineNo);
        return null;
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
