using System.Text.Json;

namespace Repro.Tests.Text;

/// <summary>
/// One line of a golden tokenizer file: the reference ids and decoding of a text, and where the file has it, the
/// decoding with skip_special_tokens (<see cref="Skipped"/>).
/// </summary>
public sealed record GoldenCase(string File, int Line, string Category, string Text, int[] Ids, string Decoded, string? Skipped)
{
    public static GoldenCase Parse(string file, int line, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        return new GoldenCase(
            file, line,
            root.TryGetProperty("category", out var c) ? c.GetString() ?? "" : "",
            root.GetProperty("text").GetString()!,
            root.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            root.GetProperty("decoded").GetString()!,
            root.TryGetProperty("skipped", out var skipped) ? skipped.GetString() : null);
    }

    /// <summary>Every case of one .jsonl file, in file order (line numbers from 1; blank lines skipped).</summary>
    public static IReadOnlyList<GoldenCase> ReadFile(string path)
    {
        var name = Path.GetFileName(path);
        return System.IO.File.ReadLines(path)
            .Select((text, index) => (text, line: index + 1))
            .Where(x => !string.IsNullOrWhiteSpace(x.text))
            .Select(x => Parse(name, x.line, x.text))
            .ToList();
    }
}
