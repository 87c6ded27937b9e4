using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reproduction.Training;

/// <summary>
/// `metrics.jsonl`: one JSON object per line, each with a "step". Lines are appended and flushed as they
/// are written; on resume, <see cref="TruncateAfter"/> drops lines past the checkpoint's step so the file
/// reads exactly as an uninterrupted run's. With a <see cref="TensorBoardLog"/>, every line is also written there as
/// scalars, and a truncation rewrites that run from the lines kept, so TensorBoard shows what the file holds.
/// </summary>
public sealed class MetricsLog(string path, TensorBoardLog? tensorBoard = null)
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public string Path { get; } = path;

    /// <summary>The TensorBoard run that mirrors this file, or null.</summary>
    public TensorBoardLog? TensorBoard { get; } = tensorBoard;

    /// <summary>A metrics file of a run folder's metrics/ (RUN/metrics/NAME.jsonl), mirrored to RUN/tensorboard/NAME.</summary>
    public static MetricsLog InRunFolder(string metricsFolder, string fileName)
    {
        var full = System.IO.Path.GetFullPath(metricsFolder);
        var runFolder = System.IO.Path.GetDirectoryName(full) ?? full;
        return new MetricsLog(System.IO.Path.Combine(full, fileName),
            TensorBoardLog.InRunFolder(runFolder, System.IO.Path.GetFileNameWithoutExtension(fileName)));
    }

    public void Append(JsonObject record)
    {
        if (!record.ContainsKey("step")) throw new ArgumentException("a metrics record needs a 'step'", nameof(record));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        using (var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read))
        using (var writer = new StreamWriter(stream))
            writer.WriteLine(record.ToJsonString(Compact));
        TensorBoard?.Write(record);
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

    /// <summary>
    /// Keeps only records with step ≤ <paramref name="step"/> (and drops a torn last line); atomic rewrite. The
    /// TensorBoard run is then rewritten from the records kept (a kill during that rewrite is repaired by the next resume).
    /// </summary>
    public void TruncateAfter(long step)
    {
        var kept = Read().Where(r => r["step"]!.GetValue<long>() <= step).ToList();
        if (File.Exists(Path)) IO.AtomicFile.WriteAllText(Path, string.Concat(kept.Select(r => r.ToJsonString(Compact) + "\n")));
        TensorBoard?.Rewrite(kept);
    }
}
