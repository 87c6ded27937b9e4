using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;

namespace Reproduction.Training;

/// <summary>
/// One TensorBoard run: a folder of event files written through TorchSharp's <c>SummaryWriter</c>, so that
/// <c>tensorboard --logdir RUN_DIR</c> shows the curves as TRL and verl users are used to. Each numeric field of a
/// record becomes a scalar (tag = field name, nested objects as <c>parent/child</c>) at the record's "step"; booleans
/// and strings are left out. The SummaryWriter opens, appends, flushes and closes the event file for every scalar,
/// so nothing is held open (nothing to dispose) and a run killed midway keeps every scalar written before.
/// <para>
/// Wall times are whole Unix seconds (TorchSharp's default). <see cref="Rewrite"/> replaces the run's event files with the given records: what a
/// resumed run does after cutting its metrics.jsonl back to the checkpoint, so no step appears twice.
/// </para>
/// </summary>
public sealed class TensorBoardLog(string runDirectory)
{
    /// <summary>TensorBoard reads every file of a run folder whose name contains this.</summary>
    public const string EventFileMarker = "tfevents";

    private TorchSharp.Modules.SummaryWriter? _writer;

    public string RunDirectory { get; } = runDirectory;

    /// <summary>The folder of a run folder that holds its TensorBoard runs.</summary>
    public const string FolderName = "tensorboard";

    /// <summary>The TensorBoard run <paramref name="name"/> of a run folder: RUN/tensorboard/NAME.</summary>
    public static TensorBoardLog InRunFolder(string runFolder, string name) => new(Path.Combine(runFolder, FolderName, name));

    /// <summary>Appends every numeric field of <paramref name="record"/> as a scalar at its "step".</summary>
    public void Write(JsonObject record)
    {
        int step = Step(record);
        try
        {
            _writer ??= torch.utils.tensorboard.SummaryWriter(RunDirectory);
            foreach (var (tag, value) in Scalars(record, prefix: ""))
                _writer.add_scalar(tag, value, step);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ReproException.ForFile(RunDirectory, $"cannot write the TensorBoard event file: {e.Message}", e);
        }
    }

    /// <summary>Replaces the run's event files by one holding <paramref name="records"/> (in order).</summary>
    public void Rewrite(IEnumerable<JsonObject> records)
    {
        _writer = null;
        if (Directory.Exists(RunDirectory))
            foreach (var file in Directory.EnumerateFiles(RunDirectory, $"*{EventFileMarker}*")) File.Delete(file);
        foreach (var record in records) Write(record);
    }

    private int Step(JsonObject record)
    {
        if (Number(record["step"]) is not { } step || step != Math.Floor(step))
            throw new ArgumentException("a metrics record needs an integer 'step'", nameof(record));
        if (step is < 0 or > int.MaxValue) throw ReproException.ForFile(RunDirectory, $"step {step} is outside TensorBoard's int32 step range");
        return (int)step;
    }

    /// <summary>The value of a JSON number, however the node holds it (an int, a long, a double, parsed text); else null.</summary>
    private static double? Number(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? value.Deserialize<double>() : null;

    private static IEnumerable<(string Tag, float Value)> Scalars(JsonObject record, string prefix)
    {
        foreach (var (name, node) in record)
        {
            if (prefix.Length == 0 && name == "step") continue;
            var tag = prefix + name;
            if (node is JsonObject nested)
                foreach (var scalar in Scalars(nested, tag + "/")) yield return scalar;
            else if (Number(node) is { } value)
                yield return (tag, (float)value);
        }
    }
}
