using System.Text.Json;
using System.Text.Json.Serialization;
using Parquet.Serialization;
using Reproduction;
using Reproduction.Data;
using Reproduction.IO;

namespace Repro.Tests.Data;

/// <summary>
/// The verl export read back with Parquet.Net (schema, rows, values) and System.Text.Json: each layout has exactly the
/// columns verl reads, one row per example, and the formatter's strings verbatim.
/// </summary>
public sealed class VerlExportTests : IDisposable
{
    private static readonly ColaTaskFormatter Formatter = ColaTaskFormatter.ColaRl;
    private static readonly Lazy<IReadOnlyList<ColaExample>> Train = new(() => ColaDataset.PaperTrain());
    private static readonly Lazy<IReadOnlyList<ColaExample>> Test = new(() => ColaDataset.PaperTest());

    private readonly string _dir = Directory.CreateTempSubdirectory("repro-verl-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Reader-side row shapes: separate from the exporter's own classes on purpose.
    private sealed class SftRow
    {
        [JsonPropertyName("instruction")] public string? Instruction { get; set; }
        [JsonPropertyName("output")] public string? Output { get; set; }
    }

    private sealed class Message
    {
        [JsonPropertyName("role")] public string? Role { get; set; }
        [JsonPropertyName("content")] public string? Content { get; set; }
    }

    private sealed class RewardModel
    {
        [JsonPropertyName("style")] public string? Style { get; set; }
        [JsonPropertyName("ground_truth")] public string? GroundTruth { get; set; }
    }

    private sealed class ExtraInfo
    {
        [JsonPropertyName("split")] public string? Split { get; set; }
        [JsonPropertyName("index")] public long? Index { get; set; }
    }

    private sealed class RlRow
    {
        [JsonPropertyName("data_source")] public string? DataSource { get; set; }
        [JsonPropertyName("prompt")] public List<Message>? Prompt { get; set; }
        [JsonPropertyName("ability")] public string? Ability { get; set; }
        [JsonPropertyName("reward_model")] public RewardModel? RewardModel { get; set; }
        [JsonPropertyName("extra_info")] public ExtraInfo? ExtraInfo { get; set; }
    }

    private async Task<string> Export(IReadOnlyList<ColaExample> examples, string split, VerlExportFormat format, string name)
    {
        var path = Path.Combine(_dir, name);
        var (written, rows) = await VerlExport.WriteAsync(examples, split, format, path, ct: Ct);
        Assert.Equal(Path.GetFullPath(path), written);
        Assert.Equal(examples.Count, rows);
        Assert.Equal([written], Directory.GetFiles(_dir)); // no temp sibling left behind
        return written;
    }

    [Fact]
    public async Task Sft_parquet_has_instruction_and_output_strings_with_the_formatter_texts_for_every_cola_train_row()
    {
        var train = Train.Value;
        var path = await Export(train, "train", VerlExportFormat.SftParquet, "train.parquet");

        var (schema, count) = await ParquetSchema.ReadAsync(path, Ct);
        Assert.Equal(ParquetSchema.Sft, schema);
        Assert.Equal(8551, count);

        var rows = (await ParquetSerializer.DeserializeAsync<SftRow>(path, cancellationToken: Ct)).Data;
        Assert.Equal(8551, rows.Count);
        Assert.Equal(Formatter.SftPrompt(train[0].Sentence), rows[0].Instruction);
        Assert.Equal(Formatter.SftTarget(train[0].Label), rows[0].Output);
        Assert.EndsWith("Your answer:/no_think", rows[0].Instruction);
        Assert.Equal("<think>\n\n</think>\n\nacceptable", rows[0].Output);
        Assert.Equal(train.Select(e => Formatter.SftPrompt(e.Sentence)), rows.Select(r => r.Instruction));
        Assert.Equal(train.Select(e => Formatter.SftTarget(e.Label)), rows.Select(r => r.Output));
        Assert.Equal(6023, rows.Count(r => r.Output == "<think>\n\n</think>\n\nacceptable"));
        Assert.Equal(2528, rows.Count(r => r.Output == "<think>\n\n</think>\n\nunacceptable"));
    }

    [Fact]
    public async Task Rl_parquet_has_verls_nested_layout_and_the_label_words_as_ground_truth()
    {
        var train = Train.Value;
        var path = await Export(train, "train", VerlExportFormat.RlParquet, "train.parquet");

        var (schema, count) = await ParquetSchema.ReadAsync(path, Ct);
        Assert.Equal(ParquetSchema.Rl, schema);
        Assert.Equal(8551, count);

        var rows = (await ParquetSerializer.DeserializeAsync<RlRow>(path, cancellationToken: Ct)).Data;
        Assert.Equal(8551, rows.Count);
        var first = rows[0];
        Assert.Equal("cola", first.DataSource);
        Assert.Equal("linguistic_acceptability", first.Ability);
        var message = Assert.Single(first.Prompt!);
        Assert.Equal("user", message.Role);
        Assert.Equal(Formatter.RlPrompt(train[0].Sentence), message.Content);
        Assert.Equal(Formatter.RlMessages(train[0]).Single().Content, message.Content);
        Assert.EndsWith("Your answer:", message.Content);
        Assert.Equal("rule", first.RewardModel!.Style);
        Assert.Equal(Formatter.GroundTruth(train[0]), first.RewardModel.GroundTruth);
        Assert.Equal("train", first.ExtraInfo!.Split);
        Assert.Equal(0L, first.ExtraInfo.Index);

        Assert.Equal(Enumerable.Range(0, 8551).Select(i => (long?)i), rows.Select(r => r.ExtraInfo!.Index));
        Assert.All(rows, r => Assert.Equal(("cola", "train", "rule", 1), (r.DataSource, r.ExtraInfo!.Split, r.RewardModel!.Style, r.Prompt!.Count)));
        Assert.Equal(train.Select(e => Formatter.RlPrompt(e.Sentence)), rows.Select(r => r.Prompt![0].Content));
        Assert.Equal(train.Select(Formatter.GroundTruth), rows.Select(r => r.RewardModel!.GroundTruth));
        var truths = rows.GroupBy(r => r.RewardModel!.GroundTruth).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["acceptable"] = 6023, ["unacceptable"] = 2528 }, truths);
    }

    [Fact]
    public async Task Rl_parquet_of_the_test_split_counts_its_own_rows_and_labels()
    {
        var path = await Export(Test.Value, "test", VerlExportFormat.RlParquet, "test.parquet");
        var rows = (await ParquetSerializer.DeserializeAsync<RlRow>(path, cancellationToken: Ct)).Data;
        Assert.Equal(527, rows.Count);
        Assert.All(rows, r => Assert.Equal("test", r.ExtraInfo!.Split));
        Assert.Equal(365, rows.Count(r => r.RewardModel!.GroundTruth == "acceptable"));
        Assert.Equal(162, rows.Count(r => r.RewardModel!.GroundTruth == "unacceptable"));
    }

    [Fact]
    public async Task Jsonl_lines_carry_the_rl_fields_then_instruction_and_output()
    {
        var test = Test.Value;
        var path = await Export(test, "test", VerlExportFormat.Jsonl, "test.jsonl");

        var lines = File.ReadAllLines(path);
        Assert.Equal(527, lines.Length);
        Assert.EndsWith("\n", File.ReadAllText(path));
        for (int i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var o = doc.RootElement;
            Assert.Equal(["data_source", "prompt", "ability", "reward_model", "extra_info", "instruction", "output"], o.EnumerateObject().Select(p => p.Name));
            Assert.Equal("cola", o.GetProperty("data_source").GetString());
            var prompt = Assert.Single(o.GetProperty("prompt").EnumerateArray());
            Assert.Equal(["role", "content"], prompt.EnumerateObject().Select(p => p.Name));
            Assert.Equal("user", prompt.GetProperty("role").GetString());
            Assert.Equal(Formatter.RlPrompt(test[i].Sentence), prompt.GetProperty("content").GetString());
            Assert.Equal("linguistic_acceptability", o.GetProperty("ability").GetString());
            Assert.Equal("rule", o.GetProperty("reward_model").GetProperty("style").GetString());
            Assert.Equal(Formatter.GroundTruth(test[i]), o.GetProperty("reward_model").GetProperty("ground_truth").GetString());
            Assert.Equal("test", o.GetProperty("extra_info").GetProperty("split").GetString());
            Assert.Equal(i, o.GetProperty("extra_info").GetProperty("index").GetInt64());
            Assert.Equal(Formatter.SftPrompt(test[i].Sentence), o.GetProperty("instruction").GetString());
            Assert.Equal(Formatter.SftTarget(test[i].Label), o.GetProperty("output").GetString());
        }
    }

    [Fact]
    public async Task An_existing_file_is_replaced_whole()
    {
        var path = Path.Combine(_dir, "out.parquet");
        File.WriteAllText(path, "old");
        var few = Test.Value.Take(3).ToList();
        await VerlExport.WriteAsync(few, "test", VerlExportFormat.SftParquet, path, ct: Ct);
        Assert.Equal(3, (await ParquetSerializer.DeserializeAsync<SftRow>(path, cancellationToken: Ct)).Data.Count);
        Assert.Equal([path], Directory.GetFiles(_dir));
        Assert.DoesNotContain(AtomicFile.TempMarker, string.Concat(Directory.GetFileSystemEntries(_dir)));
    }

    [Fact]
    public void Format_names_parse_and_unknown_ones_are_refused()
    {
        Assert.Equal(VerlExportFormat.SftParquet, VerlExport.ParseFormat("sft-parquet"));
        Assert.Equal(VerlExportFormat.RlParquet, VerlExport.ParseFormat("rl-parquet"));
        Assert.Equal(VerlExportFormat.Jsonl, VerlExport.ParseFormat("jsonl"));
        Assert.All(Enum.GetValues<VerlExportFormat>(), f => Assert.Equal(f, VerlExport.ParseFormat(VerlExport.FormatName(f))));
        var e = Assert.Throws<ReproException>(() => VerlExport.ParseFormat("parquet"));
        Assert.Contains("sft-parquet, rl-parquet, jsonl", e.Message);
    }

    [Fact]
    public async Task Unlabeled_rows_are_refused_and_nothing_is_written()
    {
        var path = Path.Combine(_dir, "x.parquet");
        var unlabeled = new ColaExample("glue-test", ColaExample.Unlabeled, "", "A sentence.", 2);
        await Assert.ThrowsAsync<ReproException>(() => VerlExport.WriteAsync([unlabeled], "test", VerlExportFormat.RlParquet, path, ct: Ct));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }
}
