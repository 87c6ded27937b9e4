using System.Text.Json.Nodes;
using Reproduction.Benchmarks;
using Reproduction.Cli;
using Repro.Tests.Cli;
using Reproduction.Experiments;

namespace Repro.Tests.Study;

/// <summary>
/// `repro bench --preset`: the projection's arithmetic on given inputs (numbers worked by hand), the counts it takes
/// from the paper preset, and the verb end to end on a tiny model shape (seconds); at Qwen3-0.6B's exact shape it is a
/// Long test with the dry run's trait (its CI job).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class PaperRunProjectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-projection-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Each_phase_costs_its_FLOPs_at_the_assumed_MFU_on_the_GPU_and_at_its_measured_rate_plus_fixed_seconds_on_the_CPU()
    {
        var projected = PaperRunProjection.Project(
        [
            new ProjectionPhase("train", Count: 10, FlopsEach: 3.6e15, CpuFlopsPerSecond: 1e11, CpuFixedSecondsEach: 2),
            new ProjectionPhase("sample", Count: 4, FlopsEach: 9e14, CpuFlopsPerSecond: 5e10),
        ], mfu: 0.5, peakFlops: 1e15);

        // train: 10 × 3.6e15 = 3.6e16 FLOP; GPU 3.6e16 / (0.5 × 1e15) = 72 s = 0.02 h;
        //        CPU 3.6e16 / 1e11 = 360,000 s, + 10 × 2 s = 360,020 s = 4.166898… days.
        // sample: 4 × 9e14 = 3.6e15 FLOP; GPU 3.6e15 / 5e14 = 7.2 s = 0.002 h; CPU 3.6e15 / 5e10 = 72,000 s = 0.833333… days.
        Assert.Equal(3.6e16, projected[0].Flops, 1e-9 * 3.6e16);
        Assert.Equal(0.02, projected[0].GpuHours, 1e-12);
        Assert.Equal(360_020 / 86_400.0, projected[0].CpuDays, 1e-9);
        Assert.Equal(3.6e15, projected[1].Flops, 1e-9 * 3.6e15);
        Assert.Equal(0.002, projected[1].GpuHours, 1e-12);
        Assert.Equal(72_000 / 86_400.0, projected[1].CpuDays, 1e-9);
    }

    [Fact]
    public void The_paper_presets_run_is_268_SFT_steps_400_GRPO_steps_35_mean_at_1_points_and_40_CE_passes()
    {
        // SFT: ⌈8,551 / (16 × 8)⌉ = 67 steps an epoch (66 × 128 = 8,448 < 8,551), × 2 epochs = 134, × 2 pipelines = 268.
        // GRPO: the step cap 200 in each pipeline = 400. Points per pipeline: 1 + ⌈134 / 10⌉ + ⌈200 / 10⌉ = 1 + 14 + 20 = 35;
        // the CE also runs once in each of the 5 diagnosed checkpoints: 40.
        var w = PaperRunProjection.Workload.Of(StudyPreset.Load("qwen3-0.6b"), trainExamples: 8551);
        Assert.Equal(new PaperRunProjection.Workload(268, 400, 40, 35, 5), w);
    }

    [Fact]
    public void A_KL_reference_adds_one_forward_to_the_three_of_a_GRPO_training_pass()
    {
        // Training = 3 × forward; beta ≠ 0 adds the reference's forward on the same rows: (3 + 1) / 3 = 4/3.
        var preset = StudyPreset.Load("qwen3-0.6b");
        var lengths = new PaperRunProjection.TextLengths(SftTokens: 100, SftCompletionTokens: 9, RlPromptTokens: 120, TrainExamples: 8551, TestExamples: 527);
        var config = BenchShape.Qwen3_0_6B(2).Config;
        var withKl = PaperRunProjection.UnitFlops.Of(config, preset, lengths);
        var withoutKl = PaperRunProjection.UnitFlops.Of(config, preset with { Grpo = preset.Grpo with { Beta = 0 } }, lengths);
        Assert.Equal(4.0 / 3, withKl.GrpoTrain / withoutKl.GrpoTrain, 1e-12);
        Assert.Equal(withoutKl.GrpoRollout, withKl.GrpoRollout);
    }

    /// <summary>
    /// The paper preset with its model replaced by an `init` one of <paramref name="config"/> (vocabulary full): what
    /// `bench --preset` measures at that shape while the projection counts the paper's run.
    /// </summary>
    private string PaperPresetAtShape(JsonObject config)
    {
        var preset = JsonNode.Parse(File.ReadAllText(Path.Combine(StudyPreset.ShippedDirectory, "qwen3-0.6b.json")),
            documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!.AsObject();
        preset["model"] = new JsonObject { ["source"] = "init", ["dtype"] = "float32", ["vocabulary"] = "full", ["config"] = config };
        var path = Path.Combine(_dir, "paper-at-shape.json");
        File.WriteAllText(path, preset.ToJsonString());
        return path;
    }

    /// <summary>Runs `bench --preset` and checks the JSON: both dtypes measured (generation, peak RSS), every phase projected, MFU and H100 hours.</summary>
    private JsonObject BenchPreset(string preset, params string[] more)
    {
        var path = Path.Combine(_dir, "bench.json");
        using (new ConsoleCapture())
            Assert.Equal(0, ReproCli.Run(["bench", "--preset", preset, "--repetitions", "1", "--json", path, .. more]));
        var doc = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Equal(268, doc["workload"]!["SftSteps"]!.GetValue<int>());
        var figures = doc["figures"]!.AsArray().Select(f => f!["Name"]!.GetValue<string>()).ToList();
        foreach (var dtype in new[] { "f32", "bf16" })
        {
            var projection = doc["projection"]![dtype]!.AsObject();
            Assert.Equal(6, projection["phases"]!.AsArray().Count);
            Assert.All(projection["phases"]!.AsArray(), p => Assert.True(p!["cpu_days"]!.GetValue<double>() > 0 && p["gpu_hours"]!.GetValue<double>() > 0, p!["name"]!.ToString()));
            Assert.True(projection["total_gpu_hours"]!.GetValue<double>() > 0);
            Assert.Contains(figures, f => f.Contains($" {dtype} ") && f.Contains("generation (rollout"));
            Assert.Contains(figures, f => f.Contains($" {dtype} ") && f.Contains("MFU"));
            Assert.Contains(figures, f => f.Contains($" {dtype}: peak RSS"));
            foreach (var measured in new[] { "accumulated micro-batches B", "MFU of the bfloat16 GEMM rate", "gradient checkpointing off: peak RSS",
                         "gradient checkpointing on: peak RSS", "decode B1", "KV cache: time per decoding step", "cache ÷ no cache", "Simpson's estimate ÷ the measured" })
                Assert.Contains(figures, f => f.Contains($" {dtype} ") && f.Contains(measured));
        }
        foreach (var figure in doc["figures"]!.AsArray())
        {
            var value = figure!["Median"]!.GetValue<double>();
            Assert.True(double.IsFinite(value) && value >= 0, $"{figure["Name"]}: {value}");
        }
        return doc;
    }

    [Fact]
    public void Bench_preset_measures_both_dtypes_and_writes_the_projection_of_every_phase_to_json()
    {
        // A one-layer model 32 wide with a 512-row vocabulary: seconds, not the minutes of the exact shape (Long test below).
        var tiny = new JsonObject
        {
            ["model_type"] = "qwen3", ["hidden_size"] = 32, ["intermediate_size"] = 64, ["num_hidden_layers"] = 1, ["num_attention_heads"] = 2,
            ["num_key_value_heads"] = 1, ["head_dim"] = 16, ["vocab_size"] = 512, ["max_position_embeddings"] = 4096, ["tie_word_embeddings"] = true,
        };
        var doc = BenchPreset(PaperPresetAtShape(tiny), "--quick");
        Assert.Equal(32, doc["config"]!["hidden_size"]!.GetValue<int>());
        Assert.Equal(512, doc["config"]!["vocab_size"]!.GetValue<int>());
    }

    [Fact]
    [Trait("Category", LongRun.Category)]
    [Trait(ShapeDryRunTests.Trait, ShapeDryRunTests.Preset)]
    public void Bench_preset_at_Qwen3_0_6Bs_exact_shape_writes_peak_RSS_MFU_and_the_projected_H100_hours()
    {
        LongRun.RequireOptIn("tests/Experiments/Repro.Tests.Experiments.csproj");
        // Micro-batches of 4 (32 to the step): the preset's 16 × 96 tokens hold 8.6 GB of float32 activations beside the
        // 9.6 GB training state, more than the CI runner's memory.
        var doc = BenchPreset("qwen3-0.6b", "--micro-batch", "4");
        Assert.Contains(doc["figures"]!.AsArray(), f => f!["Name"]!.GetValue<string>().Contains("32 accumulated micro-batches B4", StringComparison.Ordinal));
        Assert.Equal(28, doc["config"]!["num_hidden_layers"]!.GetValue<int>());
        Assert.Equal(151936, doc["config"]!["vocab_size"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("--mfu", "1.5", "--mfu")]
    [InlineData("--peak-tflops", "0", "--peak-tflops")]
    [InlineData("--micro-batch", "5", "--micro-batch")]
    public void Bench_preset_refuses_an_impossible_assumption_with_exit_code_2_naming_the_option(string option, string value, string named)
    {
        using var console = new ConsoleCapture();
        Assert.Equal(2, ReproCli.Run(["bench", "--preset", "qwen3-0.6b", option, value]));
        Assert.Contains(named, console.Error.ToString());
    }
}
