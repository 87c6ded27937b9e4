using System.Text.Json.Nodes;
using Reproduction.IO;
using Reproduction.Training;

namespace Repro.Tests.Reliability;

/// <summary>What the reliability tests read from a run's output folder.</summary>
public static class RunFolder
{
    private static bool IsTiming(string field) =>
        field.StartsWith("tokens_per_s", StringComparison.Ordinal) || field.StartsWith("timing/", StringComparison.Ordinal);

    /// <summary>metrics.jsonl with the wall-clock fields (tokens_per_s*, timing/*) removed, one string per line.</summary>
    public static List<string> MetricsWithoutTiming(string dir) =>
        File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Select(line =>
        {
            var o = (JsonObject)JsonNode.Parse(line)!;
            foreach (var key in o.Select(kv => kv.Key).Where(IsTiming).ToList())
                o.Remove(key);
            return o.ToJsonString();
        }).ToList();

    /// <summary>The scalars of the TensorBoard run tensorboard/<paramref name="run"/>, wall-clock tags left out, as "tag@step=value" in file order.</summary>
    public static List<string> TensorBoardWithoutTiming(string dir, string run) =>
        TensorBoardEvents.ScalarsOf(Path.Combine(dir, TensorBoardLog.FolderName, run))
            .Where(s => !IsTiming(s.Tag)).Select(s => $"{s.Tag}@{s.Step}={s.Value:R}").ToList();

    /// <summary>The `checkpoint-N` folders (visible names only), by step.</summary>
    public static List<(long Step, string Dir)> Checkpoints(string dir) =>
        !Directory.Exists(dir) ? [] :
        Directory.EnumerateDirectories(dir, TrainerCheckpoint.Prefix + "*")
            .Select(d => (Step: long.TryParse(Path.GetFileName(d)[TrainerCheckpoint.Prefix.Length..], out var s) ? s : -1, Dir: d))
            .Where(c => c.Step >= 0).OrderBy(c => c.Step).ToList();

    /// <summary>Hidden `.NAME.tmp-…` files and folders an interrupted atomic write left behind.</summary>
    public static List<string> Temporaries(string dir) =>
        !Directory.Exists(dir) ? [] : Directory.EnumerateFileSystemEntries(dir, ".*" + AtomicFile.TempMarker + "*").ToList();

    /// <summary>Every visible checkpoint folder has a manifest that verifies (a rename makes it visible only when complete).</summary>
    public static void AssertEveryCheckpointVerifies(string dir)
    {
        foreach (var (_, cp) in Checkpoints(dir)) FolderManifest.Verify(cp);
    }

    public static byte[] Weights(string checkpoint) => File.ReadAllBytes(Path.Combine(checkpoint, TrainerCheckpoint.ModelFolder, "model.safetensors"));
}
