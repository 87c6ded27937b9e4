using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Parquet.Serialization;
using Reproduction.IO;

namespace Reproduction.Data;

/// <summary>
/// Writes CoLA examples (real or synthetic) in the data layouts verl reads, with the texts of <see cref="ColaTaskFormatter"/>:
/// <list type="bullet">
/// <item><c>sft-parquet</c>: <c>instruction</c> (the SFT prompt, with <c>/no_think</c>) and <c>output</c> (the SFT target),
/// for <c>data.prompt_key=instruction data.response_key=output</c>;</item>
/// <item><c>rl-parquet</c>: <c>data_source</c> ("cola"), <c>prompt</c> (list of {role, content}), <c>ability</c>,
/// <c>reward_model</c> {style "rule", ground_truth label word} and <c>extra_info</c> {split, index};</item>
/// <item><c>jsonl</c>: the RL fields then <c>instruction</c>/<c>output</c>, one object a line.</item>
/// </list>
/// Every column is optional (nullable) and every value present, as pandas/pyarrow write verl's own data files.
/// The file appears at its path only when complete (temp sibling, then rename).
/// </summary>
public static class VerlExport
{
    public const string DataSource = "cola";
    public const string Ability = "linguistic_acceptability";
    public const string RewardStyle = "rule";

    /// <summary>The command-line names of the formats, in <see cref="VerlExportFormat"/> order.</summary>
    public static IReadOnlyList<string> FormatNames { get; } = ["sft-parquet", "rl-parquet", "jsonl"];

    public static VerlExportFormat ParseFormat(string name) => FormatNames.ToList().IndexOf(name) switch
    {
        < 0 => throw new ReproException($"--format: '{name}' is not one of {string.Join(", ", FormatNames)}"),
        var i => (VerlExportFormat)i,
    };

    public static string FormatName(VerlExportFormat format) => FormatNames[(int)format];

    /// <summary>Writes `examples` (the split called `split`) to `path` in `format`; returns the full path and the row count.</summary>
    public static async Task<(string Path, int Rows)> WriteAsync(
        IReadOnlyList<ColaExample> examples, string split, VerlExportFormat format, string path,
        ColaTaskFormatter? formatter = null, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(split)) throw new ReproException("verl export: empty split name");
        formatter ??= ColaTaskFormatter.ColaRl;
        var full = System.IO.Path.GetFullPath(path);
        using var buffer = new MemoryStream();
        switch (format)
        {
            case VerlExportFormat.SftParquet:
                await ParquetSerializer.SerializeAsync(examples.Select(e => SftRow(formatter, e)).ToList(), buffer, cancellationToken: ct);
                break;
            case VerlExportFormat.RlParquet:
                await ParquetSerializer.SerializeAsync(examples.Select((e, i) => RlRow(formatter, e, split, i)).ToList(), buffer, cancellationToken: ct);
                break;
            case VerlExportFormat.Jsonl:
                WriteJsonl(examples, split, formatter, buffer);
                break;
            default:
                throw new ReproException($"verl export: unknown format {format}");
        }
        var dir = System.IO.Path.GetDirectoryName(full)!;
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw ReproException.ForFile(dir, $"cannot create output folder: {e.Message}", e); }
        AtomicFile.Write(full, buffer.WriteTo);
        return (full, examples.Count);
    }

    private static SftRecord SftRow(ColaTaskFormatter f, ColaExample e) => new() { Instruction = f.SftPrompt(e.Sentence), Output = f.SftTarget(e.Label) };

    private static RlRecord RlRow(ColaTaskFormatter f, ColaExample e, string split, int index) => new()
    {
        DataSource = DataSource,
        Prompt = f.RlMessages(e).Select(m => new MessageRecord { Role = m.Role, Content = m.Content }).ToList(),
        Ability = Ability,
        RewardModel = new RewardModelRecord { Style = RewardStyle, GroundTruth = f.GroundTruth(e) },
        ExtraInfo = new ExtraInfoRecord { Split = split, Index = index },
    };

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void WriteJsonl(IReadOnlyList<ColaExample> examples, string split, ColaTaskFormatter f, Stream output)
    {
        var newline = "\n"u8.ToArray();
        for (int i = 0; i < examples.Count; i++)
        {
            var rl = RlRow(f, examples[i], split, i);
            var sft = SftRow(f, examples[i]);
            var row = new JsonlRecord
            {
                DataSource = rl.DataSource, Prompt = rl.Prompt, Ability = rl.Ability, RewardModel = rl.RewardModel, ExtraInfo = rl.ExtraInfo,
                Instruction = sft.Instruction, Output = sft.Output,
            };
            JsonSerializer.Serialize(output, row, JsonOptions);
            output.Write(newline);
        }
    }

    // The row shapes. Parquet.Net and System.Text.Json both take column/key names from [JsonPropertyName].

    internal sealed class SftRecord
    {
        [JsonPropertyName("instruction")] public string? Instruction { get; set; }
        [JsonPropertyName("output")] public string? Output { get; set; }
    }

    internal sealed class RlRecord
    {
        [JsonPropertyName("data_source")] public string? DataSource { get; set; }
        [JsonPropertyName("prompt")] public List<MessageRecord>? Prompt { get; set; }
        [JsonPropertyName("ability")] public string? Ability { get; set; }
        [JsonPropertyName("reward_model")] public RewardModelRecord? RewardModel { get; set; }
        [JsonPropertyName("extra_info")] public ExtraInfoRecord? ExtraInfo { get; set; }
    }

    internal sealed class JsonlRecord
    {
        [JsonPropertyName("data_source")] public string? DataSource { get; set; }
        [JsonPropertyName("prompt")] public List<MessageRecord>? Prompt { get; set; }
        [JsonPropertyName("ability")] public string? Ability { get; set; }
        [JsonPropertyName("reward_model")] public RewardModelRecord? RewardModel { get; set; }
        [JsonPropertyName("extra_info")] public ExtraInfoRecord? ExtraInfo { get; set; }
        [JsonPropertyName("instruction")] public string? Instruction { get; set; }
        [JsonPropertyName("output")] public string? Output { get; set; }
    }

    internal sealed class MessageRecord
    {
        [JsonPropertyName("role")] public string? Role { get; set; }
        [JsonPropertyName("content")] public string? Content { get; set; }
    }

    internal sealed class RewardModelRecord
    {
        [JsonPropertyName("style")] public string? Style { get; set; }
        [JsonPropertyName("ground_truth")] public string? GroundTruth { get; set; }
    }

    internal sealed class ExtraInfoRecord
    {
        [JsonPropertyName("split")] public string? Split { get; set; }
        [JsonPropertyName("index")] public long? Index { get; set; }
    }
}
