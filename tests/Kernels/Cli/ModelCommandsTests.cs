using System.Text.Json;
using Repro.Tests.IO;
using Repro.Tests.Qwen3;
using Reproduction.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Cli;

/// <summary>`repro logits`, `repro generate` and `repro convert` on the golden tiny checkpoint; bad input exits 2 with one line.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ModelCommandsTests
{
    private static string Golden(string folder) => global::Repro.Tests.SharedData.Require("golden", "qwen3-tiny", folder);

    private static (int Code, string Out, string Error) Run(params string[] args)
    {
        using var capture = new ConsoleCapture();
        int code = ReproCli.Run(args);
        return (code, capture.Out.ToString(), capture.Error.ToString());
    }

    private static string Ids(JsonElement matrix) =>
        string.Join(";", matrix.EnumerateArray().Select(r => string.Join(",", r.EnumerateArray().Select(x => x.GetInt64()))));

    [Fact]
    public void Logits_prints_the_golden_logits_as_json()
    {
        var g = GoldenQwen3.Get("f32.float32");
        var (code, stdout, stderr) = Run("logits", "--model", g.CheckpointFolder, "--ids", Ids(g.Case("single").GetProperty("input_ids")));
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var shape = doc.RootElement.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
        Assert.Equal(new long[] { 1, 12, 512 }, shape);
        var values = doc.RootElement.GetProperty("logits").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        using var scope = torch.NewDisposeScope();
        var (max, _) = Diff.Abs(torch.tensor(values, shape), g.Array("single.logits"));
        Assert.True(max <= GoldenTolerances.Float32.Logits, $"max |diff| {max}");
    }

    [Fact]
    public void Logits_left_pads_rows_of_different_lengths_like_the_golden_batch()
    {
        var g = GoldenQwen3.Get("f32.float32");
        var c = g.Case("batch_left_padded");
        var rows = GoldenQwen3.Matrix(c.GetProperty("input_ids"));
        var mask = GoldenQwen3.Matrix(c.GetProperty("attention_mask"));
        var unpadded = string.Join(";", rows.Select((r, i) => string.Join(",", r.Where((_, j) => mask[i][j] == 1))));
        var (code, stdout, stderr) = Run("logits", "--model", g.CheckpointFolder, "--ids", unpadded, "--left-pad");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var values = doc.RootElement.GetProperty("logits").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        using var scope = torch.NewDisposeScope();
        var (max, _) = Diff.Abs(torch.tensor(values, [2, 12, 512]), g.Array("batch_left_padded.logits"), GoldenQwen3.Ids(c, "attention_mask"));
        Assert.True(max <= GoldenTolerances.Float32.Logits, $"max |diff| {max}");

        var (refused, _, error) = Run("logits", "--model", g.CheckpointFolder, "--ids", unpadded);
        Assert.Equal(2, refused);
        Assert.Contains("--left-pad", error);
    }

    [Fact]
    public void Generate_greedy_prints_the_golden_tokens()
    {
        var g = GoldenQwen3.Get("f32.float32");
        foreach (var name in g.GenerationNames)
        {
            var entry = g.Generation(name);
            var prompts = GoldenQwen3.Matrix(entry.GetProperty("prompt_ids"));
            var mask = GoldenQwen3.Matrix(entry.GetProperty("attention_mask"));
            var unpadded = string.Join(";", prompts.Select((r, i) => string.Join(",", r.Where((_, j) => mask[i][j] == 1))));
            var (code, stdout, stderr) = Run("generate", "--model", g.CheckpointFolder, "--ids", unpadded, "--max-new-tokens", "8", "--greedy", "--json");
            Assert.True(code == 0, stderr);
            using var doc = JsonDocument.Parse(stdout);
            Assert.Equal(GoldenQwen3.Matrix(entry.GetProperty("new_tokens")), GoldenQwen3.Matrix(doc.RootElement.GetProperty("ids")));
            Assert.All(doc.RootElement.GetProperty("stop_reason").EnumerateArray(), r => Assert.Equal("max_new_tokens", r.GetString()));
        }
    }

    [Fact]
    public void Generate_with_the_same_seed_prints_the_same_sample()
    {
        string[] args = ["generate", "--model", Golden("f32"), "--ids", "350,347,471", "--max-new-tokens", "10", "--temperature", "1.3", "--top-p", "0.9", "--top-k", "40", "--seed", "5"];
        var a = Run(args);
        var b = Run(args);
        Assert.Equal(0, a.Code);
        Assert.Equal(a.Out, b.Out);
        var (code, _, error) = Run(args[..^2]);
        Assert.Equal(2, code);
        Assert.Contains("--seed", error);
    }

    [Fact]
    public void Convert_to_bf16_reproduces_the_golden_bf16_checkpoint_and_shards_on_request()
    {
        using var tmp = new TempFolder();
        var outDir = Path.Combine(tmp.Path, "bf16");
        var (code, _, stderr) = Run("convert", "--model", Golden("f32"), "--out", outDir, "--dtype", "bfloat16");
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Golden("bf16"), "model.safetensors")), File.ReadAllBytes(Path.Combine(outDir, "model.safetensors")));

        var sharded = Path.Combine(tmp.Path, "sharded");
        (code, _, stderr) = Run("convert", "--model", outDir, "--out", sharded, "--dtype", "bfloat16", "--max-shard-size", "150KB");
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(sharded, "model.safetensors.index.json")));
        Assert.Equal(2, Directory.GetFiles(sharded, "model-*.safetensors").Length);
        var (again, _, error) = Run("convert", "--model", outDir, "--out", sharded, "--dtype", "bfloat16");
        Assert.Equal(2, again);
        Assert.Contains("already exists", error);
    }

    public static TheoryData<string, string> BrokenInputs => new()
    {
        { "missing-folder", "model folder not found" },
        { "truncated-weights", "truncated" },
        { "config-wrong-type", "hidden_size" },
        { "no-config", "config.json" },
    };

    [Theory]
    [MemberData(nameof(BrokenInputs))]
    public void Bad_input_exits_2_with_one_line_naming_the_file_and_problem(string breakage, string problem)
    {
        using var tmp = new TempFolder();
        var model = Path.Combine(tmp.Path, "model");
        if (breakage != "missing-folder")
        {
            Directory.CreateDirectory(model);
            foreach (var f in Directory.GetFiles(Golden("f32"))) File.Copy(f, Path.Combine(model, Path.GetFileName(f)));
        }
        string file = model;
        switch (breakage)
        {
            case "truncated-weights":
                file = Path.Combine(model, "model.safetensors");
                var bytes = File.ReadAllBytes(file);
                File.WriteAllBytes(file, bytes[..(bytes.Length - 100)]);
                break;
            case "config-wrong-type":
                file = Path.Combine(model, "config.json");
                File.WriteAllText(file, File.ReadAllText(file).Replace("\"hidden_size\": 64", "\"hidden_size\": \"64\""));
                break;
            case "no-config":
                file = Path.Combine(model, "config.json");
                File.Delete(file);
                break;
        }
        foreach (var verb in new[] { new[] { "logits", "--ids", "1,2" }, ["generate", "--ids", "1,2", "--greedy"], ["convert", "--out", Path.Combine(tmp.Path, "o"), "--dtype", "float32"] })
        {
            var (code, stdout, stderr) = Run([.. verb, "--model", model]);
            Assert.Equal(2, code);
            Assert.Equal("", stdout);
            var line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
            Assert.Contains(file, line);
            Assert.Contains(problem, line);
            Assert.DoesNotContain("   at ", stderr);
        }
    }
}
