using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Reproduction.IO;
using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Training;

/// <summary>What a trainer needs besides weights and optimizer moments to continue exactly where it stopped.</summary>
public sealed record TrainerState(
    [property: JsonPropertyName("global_step")] long GlobalStep,
    [property: JsonPropertyName("optimizer_step")] long OptimizerStep,
    [property: JsonPropertyName("rng_state")] string? RngState,
    [property: JsonPropertyName("trainer")] string Trainer,
    [property: JsonPropertyName("extra")] JsonObject? Extra = null);

/// <summary>
/// `checkpoint-{step}/` inside a run's output folder: `model/` (a save_pretrained folder that `repro generate`
/// and `repro eval` load), `optimizer.safetensors` (AdamW moments), `trainer_state.json`, and `manifest.json`
/// with every file's size and sha256, written last. The folder is filled under a temporary name and renamed
/// into place, so a kill at any moment leaves either the complete checkpoint or none; on resume only
/// checkpoints whose manifest verifies are considered. SFT and GRPO share this one mechanism.
/// </summary>
public static class TrainerCheckpoint
{
    public const string Prefix = "checkpoint-";
    public const string ModelFolder = "model";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string StateFile = "trainer_state.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string PathFor(string outputDir, long step) => Path.Combine(outputDir, $"{Prefix}{step}");

    public static string Save(string outputDir, Qwen3ForCausalLM model, AdamW optimizer, TrainerState state, string? tokenizerFolder = null)
    {
        var dir = PathFor(outputDir, state.GlobalStep);
        AtomicFile.WriteFolder(dir, tmp =>
        {
            var modelDir = Directory.CreateDirectory(Path.Combine(tmp, ModelFolder)).FullName;
            CheckpointFolder.WriteContents(modelDir, model.Config.ToJson(), model.GenerationConfig.ToJson(), model.NamedWeights(), tokenizerFolder: tokenizerFolder);
            SafetensorsWriter.Write(Path.Combine(tmp, OptimizerFile), optimizer.StateTensors().Select(kv => (kv.Key, kv.Value)));
            File.WriteAllText(Path.Combine(tmp, StateFile), JsonSerializer.Serialize(state, Json));
            FolderManifest.WriteFor(tmp);                                               // last: marks the folder complete
        }, overwrite: true);
        return dir;
    }

    /// <summary>The newest checkpoint under <paramref name="outputDir"/> whose manifest verifies, or null.</summary>
    public static string? Latest(string outputDir, Action<string>? warn = null)
    {
        if (!Directory.Exists(outputDir)) return null;
        var candidates = Directory.EnumerateDirectories(outputDir, Prefix + "*")
            .Select(d => (Dir: d, Step: long.TryParse(Path.GetFileName(d)[Prefix.Length..], out var s) ? s : -1))
            .Where(c => c.Step >= 0).OrderByDescending(c => c.Step);
        foreach (var (dir, _) in candidates)
        {
            try
            {
                FolderManifest.Verify(dir);
                return dir;
            }
            catch (ReproException e)
            {
                warn?.Invoke($"skipping {dir}: {e.Message}");
            }
        }
        return null;
    }

    /// <summary>
    /// What both trainers do on start: with `resumeFrom` a folder (or "auto": the newest complete checkpoint in
    /// `outputDir`), restore weights, optimizer and step, check the checkpoint is this trainer's, and cut the metrics
    /// log back to that step. Returns the step to continue from (0: fresh start, also for "auto" with nothing saved).
    /// </summary>
    public static int Resume(string? resumeFrom, string? outputDir, string trainer, Qwen3ForCausalLM model, AdamW optimizer,
        MetricsLog? metrics, long stepOffset, Action<string>? warn)
    {
        if (resumeFrom is null) return 0;
        if (resumeFrom == "auto" && outputDir is not null) RemoveStaleTemporaries(outputDir, warn);
        var dir = resumeFrom == "auto"
            ? (outputDir is null ? throw new ReproException($"{trainer}: --resume auto needs an output folder") : Latest(outputDir, warn))
            : resumeFrom;
        if (dir is null)
        {
            // A run killed before its first checkpoint starts over: its log lines would otherwise be written twice.
            metrics?.TruncateAfter(stepOffset - 1);
            return 0;
        }
        var state = Restore(dir, model, optimizer);
        if (state.Trainer != trainer) throw ReproException.ForFile(dir, $"is a {state.Trainer} checkpoint, not a {trainer} one");
        metrics?.TruncateAfter(stepOffset + state.GlobalStep);
        return (int)state.GlobalStep;
    }

    /// <summary>
    /// Removes what a killed writer left in <paramref name="outputDir"/>: hidden `.checkpoint-N.tmp-…` folders and
    /// `.NAME.tmp-…` files (<see cref="AtomicFile.TempMarker"/>). Only called on `--resume auto`, when this process
    /// owns the folder; <see cref="Latest"/> never considers them either way.
    /// </summary>
    public static int RemoveStaleTemporaries(string outputDir, Action<string>? warn = null)
    {
        if (!Directory.Exists(outputDir)) return 0;
        int removed = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries(outputDir, "." + "*" + AtomicFile.TempMarker + "*"))
        {
            try
            {
                if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
                removed++;
                warn?.Invoke($"removed {entry}: left by an interrupted write");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warn?.Invoke($"could not remove {entry}: {e.Message}");
            }
        }
        return removed;
    }

    /// <summary>Verifies the checkpoint, copies its weights into <paramref name="model"/> and its moments into <paramref name="optimizer"/>.</summary>
    public static TrainerState Restore(string dir, Qwen3ForCausalLM model, AdamW optimizer)
    {
        FolderManifest.Verify(dir);
        var statePath = Path.Combine(dir, StateFile);
        TrainerState state;
        try { state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(statePath), Json) ?? throw ReproException.ForFile(statePath, "empty trainer state"); }
        catch (JsonException e) { throw ReproException.ForFile(statePath, $"invalid trainer state: {e.Message}"); }

        var weights = SafetensorsReader.Open(Path.Combine(dir, ModelFolder));
        using (torch.no_grad())
            foreach (var (name, param) in model.NamedWeights())
            {
                using var loaded = weights.Load(name, param.dtype);
                if (!loaded.shape.SequenceEqual(param.shape)) throw ReproException.ForFile(dir, $"tensor '{name}' has shape [{string.Join(",", loaded.shape)}], the model expects [{string.Join(",", param.shape)}]");
                param.copy_(loaded);
            }

        var optimizerFile = Path.Combine(dir, OptimizerFile);
        var reader = SafetensorsReader.OpenFile(optimizerFile);
        var moments = reader.Entries.Keys.ToDictionary(k => k, k => reader.Load(k));
        try { optimizer.LoadState(moments, state.OptimizerStep, optimizerFile); }
        finally { foreach (var t in moments.Values) t.Dispose(); }
        return state;
    }
}
