using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reproduction.Training;

/// <summary>
/// `metrics.jsonl`: one JSON object per line, each with a "step". Lines are appended and flushed as they
/// are written; on resume, <see cref="TruncateAfter"/> drops lines past the checkpoint's step so the file
/// reads exactly as an uninterrupted run's.
/// </summary>
public sealed class MetricsLog(string path)
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public string Path { get; } = path;

    public void Append(JsonObject record)
    {
        if (!record.ContainsKey("step")) throw new ArgumentException("a metrics record needs a 'step'", nameof(record));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        using var writer = new StreamWriter(stream);
        writer.WriteLine(record.ToJsonString(Compact));
    }

    public IReadOnlyList<JsonObject> Read()
    {
        if (!File.Exists(Path)) return [];
        var result = new List<JsonObject>();
        int line = 0;
        foreach (var text in File.ReadLines(Path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                result.Add(JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object"));
            }
            catch (JsonException e)
            {
                // A line cut short by a kill mid-write is the last line; anything else is corruption.
                if (line == File.ReadLines(Path).Count()) break;
                throw ReproException.ForFile(Path, $"line {line}: {e.Message}");
            }
        }
        return result;
    }

    /// <summary>Keeps only records with step ≤ <paramref name="step"/> (and drops a torn last line); atomic rewrite.</summary>
    public void TruncateAfter(long step)
    {
        if (!File.Exists(Path)) return;
        var kept = Read().Where(r => r["step"]!.GetValue<long>() <= step).Select(r => r.ToJsonString(Compact));
        IO.AtomicFile.WriteAllText(Path, string.Concat(kept.Select(l => l + "\n")));
    }
}
