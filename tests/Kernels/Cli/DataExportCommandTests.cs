using Parquet.Serialization;
using Reproduction.Cli;
using Reproduction.Data;

namespace Repro.Tests.Cli;

/// <summary>`repro data export` through ReproCli.Run: writes the file and exits 0; bad input exits 2 and writes nothing.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class DataExportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-cli-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Row
    {
        [System.Text.Json.Serialization.JsonPropertyName("instruction")] public string? Instruction { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("output")] public string? Output { get; set; }
    }

    [Fact]
    public async Task Export_writes_the_cola_train_split_by_default_and_exits_0()
    {
        var file = Path.Combine(_dir, "sft", "train.parquet");
        using var console = new ConsoleCapture();
        Assert.Equal(0, ReproCli.Run(["data", "export", "--format", "sft-parquet", "--out", file]));
        var rows = (await ParquetSerializer.DeserializeAsync<Row>(file, cancellationToken: TestContext.Current.CancellationToken)).Data;
        Assert.Equal(8551, rows.Count);
        Assert.Equal(ColaTaskFormatter.ColaRl.SftPrompt(ColaDataset.PaperTrain()[0].Sentence), rows[0].Instruction);
        Assert.Contains("8,551 rows", console.Out.ToString());
        Assert.Contains(Path.GetFullPath(file), console.Out.ToString());
    }

    [Fact]
    public void Export_of_synthetic_test_data_uses_the_default_grammar_sizes()
    {
        var file = Path.Combine(_dir, "test.jsonl");
        using var console = new ConsoleCapture();
        Assert.Equal(0, ReproCli.Run(["data", "export", "--format", "jsonl", "--data", "synthetic", "--split", "test", "--out", file]));
        Assert.Equal(300, File.ReadAllLines(file).Length);
    }

    [Theory]
    [InlineData("--format", "parquet", "--format: 'parquet'")]
    [InlineData("--split", "dev", "--split: 'dev'")]
    [InlineData("--data", "/no/such/folder", "--data")]
    public void Bad_input_exits_2_with_one_line_and_writes_nothing(string option, string value, string message)
    {
        var args = new List<string> { "data", "export", "--format", "rl-parquet", "--out", Path.Combine(_dir, "out.parquet") };
        int at = args.IndexOf(option);
        if (at >= 0) args[at + 1] = value; else args.AddRange([option, value]);
        using var console = new ConsoleCapture();
        Assert.Equal(2, ReproCli.Run([.. args]));
        var error = console.Error.ToString();
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(message, error);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }
}
