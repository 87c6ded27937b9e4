using System.Text.Json.Nodes;
using Reproduction.Cli;
using Reproduction.Benchmarks;

namespace Repro.Tests.Cli;

/// <summary>`repro bench` writes its figures with units; it asserts nothing about speed (benchmarks measure, tests do not time).</summary>
public sealed class BenchCommandTests
{
    private static JsonArray RunBench(params string[] args)
    {
        var folder = Directory.CreateTempSubdirectory("repro-bench-").FullName;
        try
        {
            var path = Path.Combine(folder, "bench.json");
            Assert.Equal(0, ReproCli.Run(["bench", .. args, "--json", path]));
            return JsonNode.Parse(File.ReadAllText(path))!["figures"]!.AsArray();
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    private static void AssertWellFormed(JsonNode? f)
    {
        Assert.False(string.IsNullOrWhiteSpace(f!["Unit"]!.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(f["Name"]!.GetValue<string>()));
        double min = f["Min"]!.GetValue<double>(), median = f["Median"]!.GetValue<double>(), max = f["Max"]!.GetValue<double>();
        Assert.True(double.IsFinite(median) && min <= median && median <= max, $"{f["Name"]}: {min} ≤ {median} ≤ {max}");
    }

    [Fact]
    public void The_gemm_workload_writes_each_dtype_with_median_min_max_and_unit()
    {
        var figures = RunBench("--workloads", "gemm", "--repetitions", "2");
        // Each size of each dtype, then the best median per dtype (MFU's denominator).
        Assert.Equal(2 * (Reproduction.Cli.BenchCommand.GemmSizes(quick: false).Count + 1), figures.Count);
        foreach (var dtype in new[] { "Float32", "BFloat16" })
        {
            var sizes = figures.Where(f => f!["Name"]!.GetValue<string>().StartsWith("torch.mm", StringComparison.Ordinal) && f["Name"]!.GetValue<string>().EndsWith(dtype, StringComparison.Ordinal)).ToList();
            var best = Assert.Single(figures, f => f!["Name"]!.GetValue<string>().StartsWith("best", StringComparison.Ordinal) && f["Name"]!.GetValue<string>().EndsWith(dtype, StringComparison.Ordinal));
            Assert.Equal(sizes.Max(f => f!["Median"]!.GetValue<double>()), best!["Median"]!.GetValue<double>());
        }
        Assert.All(figures, f =>
        {
            Assert.Equal("GFLOP/s", f!["Unit"]!.GetValue<string>());
            Assert.True(f["Min"]!.GetValue<double>() > 0 && f["Min"]!.GetValue<double>() <= f["Median"]!.GetValue<double>() && f["Median"]!.GetValue<double>() <= f["Max"]!.GetValue<double>());
        });
        Assert.Equal(2, ReproCli.Run(["bench", "--workloads", "gemm,flops"]));
        Assert.Equal(2, ReproCli.Run(["bench", "--workloads", "forward", "--shapes", "huge"]));
    }

    [Theory]
    [InlineData("forward", new[] { "tokens/s", "% of torch.mm", "MiB peak RSS" })]
    [InlineData("train", new[] { "tokens/s", "% of torch.mm", "MiB peak RSS" })]
    [InlineData("generate", new[] { "new tokens/s", "×", "MiB peak RSS" })]
    [InlineData("grpo", new[] { "s", "% of step", "MiB peak RSS" })]
    [InlineData("tokenizer", new[] { "tokens/s", "sentences/s", "×", "sentences", "MiB peak RSS" })]
    public void Each_model_workload_runs_in_quick_mode_and_writes_figures_with_units(string workload, string[] units)
    {
        // MFU needs the GEMM rate, so its figures come along (measured once, where first needed).
        var figures = new JsonArray(RunBench("--workloads", workload, "--quick", "--shapes", "tiny")
            .Where(f => f!["Workload"]!.GetValue<string>() != "gemm").Select(f => f!.DeepClone()).ToArray());
        Assert.NotEmpty(figures);
        Assert.All(figures, f => Assert.Equal(workload, f!["Workload"]!.GetValue<string>()));
        Assert.All(figures, AssertWellFormed);
        var seen = figures.Select(f => f!["Unit"]!.GetValue<string>()).ToHashSet();
        Assert.All(units, u => Assert.Contains(u, seen));
        if (workload != "tokenizer")                                          // both dtypes of the tiny shape
        {
            Assert.Contains(figures, f => f!["Name"]!.GetValue<string>().Contains("f32", StringComparison.Ordinal));
            Assert.Contains(figures, f => f!["Name"]!.GetValue<string>().Contains("bf16", StringComparison.Ordinal));
        }
        if (workload == "tokenizer")                                          // Hugging Face's tokenizer on the same text, with the same ids
        {
            Assert.Contains(figures, f => f!["Name"]!.GetValue<string>().Contains("Hugging Face tokenizers (Rust)", StringComparison.Ordinal) && f["Median"]!.GetValue<double>() > 0);
            Assert.Equal(0, figures.Single(f => f!["Unit"]!.GetValue<string>() == "sentences")!["Median"]!.GetValue<double>());
        }
        if (workload == "grpo")                                               // the four phase shares of one dtype sum to 100%
        {
            var shares = figures.Where(f => f!["Unit"]!.GetValue<string>() == "% of step" && f["Name"]!.GetValue<string>().Contains("f32", StringComparison.Ordinal));
            Assert.Equal(100, shares.Sum(f => f!["Median"]!.GetValue<double>()), 6);
        }
    }

    [Fact]
    public void The_profile_workload_charges_every_model_sub_step_backward_and_the_optimizer_and_its_shares_sum_to_100()
    {
        var figures = RunBench("--workloads", "profile", "--quick", "--shapes", "tiny");
        Assert.All(figures, AssertWellFormed);
        foreach (var block in new[] { "tiny f32 forward", "tiny f32 train", "tiny bf16 train" })
        {
            var mine = figures.Where(f => f!["Name"]!.GetValue<string>().StartsWith(block, StringComparison.Ordinal)).ToList();
            var stages = mine.Where(f => f!["Unit"]!.GetValue<string>() == "ms").Select(f => f!["Name"]!.GetValue<string>().Split(": ")[1]).ToList();
            foreach (var expected in new[] { "q_proj", "k_proj", "v_proj", "attn_probs", "mlp_out" }) Assert.Contains(expected, stages);
            if (block.Contains("train", StringComparison.Ordinal))
            {
                foreach (var expected in new[] { "backward", "optimizer (AdamW)", "lm_head + log_softmax (scored rows)" }) Assert.Contains(expected, stages);
                // The backward's split by isolation: timed apart, so outside the step's 100 %.
                foreach (var isolated in new[] { "backward of logits and loss", "backward of the embedding lookup" })
                    Assert.Contains(mine, f => f!["Unit"]!.GetValue<string>() == "ms" && f["Name"]!.GetValue<string>().Contains(ProfileBenchmark.Isolated + isolated, StringComparison.Ordinal)
                        && f["Median"]!.GetValue<double>() > 0);
            }
            var shares = mine.Where(f => f!["Unit"]!.GetValue<string>() == "% of step" && !f["Name"]!.GetValue<string>().Contains(ProfileBenchmark.Isolated, StringComparison.Ordinal));
            Assert.Equal(100, shares.Sum(f => f!["Median"]!.GetValue<double>()), 6);
            // q_proj makes its output tensor (and its view): a profiler that charged nothing would read 0.
            Assert.True(mine.Single(f => f!["Name"]!.GetValue<string>().EndsWith(": q_proj tensors", StringComparison.Ordinal))!["Median"]!.GetValue<double>() >= 1);
        }
    }

    /// <summary>
    /// Tests that need a Python that imports torch. PyTorch is not a prerequisite of the project, so the main CI job
    /// leaves this trait out (.ci/run) and a job of its own installs PyTorch and runs it; anywhere under CI, a missing
    /// PyTorch then fails the test, and on a user's machine it skips it with the reason.
    /// </summary>
    public const string PyTorchCategory = "PyTorch";

    [Fact]
    [Trait("Category", PyTorchCategory)]
    public void With_compare_pytorch_every_side_by_side_figure_gets_a_reference_figure_and_a_ratio_and_the_logits_agree()
    {
        if (Reproduction.Benchmarks.PytorchWorker.FindPython("python3") is null)
            SharedData.Unavailable("no Python that imports torch (Debian: apt-get install -y python3-torch libopenblas0-pthread; elsewhere: pip install torch)");
        var figures = RunBench("--workloads", "forward,train,generate", "--quick", "--shapes", "tiny", "--compare-pytorch");
        var agreement = Assert.Single(figures, f => f!["Workload"]!.GetValue<string>() == "pytorch");
        Assert.InRange(agreement!["Median"]!.GetValue<double>(), 0, 1e-5);        // float32 logits of two implementations of the same math
        foreach (var ours in figures.Where(f => f!["Workload"]!.GetValue<string>() is "forward" or "train" && f["Unit"]!.GetValue<string>() is "tokens/s" or "MiB peak RSS"))
        {
            var name = ours!["Name"]!.GetValue<string>();
            var workload = ours["Workload"]!.GetValue<string>();
            var theirs = Assert.Single(figures, f => f!["Workload"]!.GetValue<string>() == $"pytorch/{workload}" && f["Name"]!.GetValue<string>() == name);
            var ratio = Assert.Single(figures, f => f!["Workload"]!.GetValue<string>() == "pytorch/ratio" && f["Name"]!.GetValue<string>() == $"{workload} {name}: ours ÷ PyTorch");
            Assert.Equal(ours["Median"]!.GetValue<double>() / theirs!["Median"]!.GetValue<double>(), ratio!["Median"]!.GetValue<double>(), 9);
        }
        Assert.Contains(figures, f => f!["Workload"]!.GetValue<string>() == "pytorch/generate");
    }

    [Fact]
    public void Paired_measurement_alternates_ours_and_the_reference_and_swaps_who_goes_first()
    {
        var order = new List<char>();
        var (ours, theirs) = Reproduction.Benchmarks.Measure.Paired(() => order.Add('o'), () => { order.Add('r'); return 0.5; }, repetitions: 4, warmup: 1);
        Assert.Equal("or" + "or" + "ro" + "or" + "ro", new string(order.ToArray()));  // warm-up, then o-first and r-first rounds
        Assert.Equal(4, ours.Repetitions);
        Assert.Equal(new Reproduction.Benchmarks.Timing(0.5, 0.5, 0.5, 4), theirs);
    }

    [Fact]
    public void The_stage_profiler_charges_each_interval_to_the_mark_that_closes_it_and_adds_up_repeated_stages()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var p = new Reproduction.Benchmarks.StageProfiler();
        p.Restart();
        _ = TorchSharp.torch.ones(3) + 1;                                            // two tensors: ones and the sum
        p.Mark("a");
        p.Mark("b");                                                                 // nothing ran
        _ = TorchSharp.torch.zeros(2);
        p.Mark("a");
        var totals = p.Totals();
        Assert.Equal(["a", "b"], totals.Select(t => t.Stage));
        Assert.Equal(3, totals[0].Tensors);
        Assert.Equal(2, totals[0].Calls);
        Assert.Equal(0, totals[1].Tensors);
        Assert.True(totals[0].Seconds >= 0 && totals[1].Seconds >= 0);
    }

    [Theory]
    [InlineData("NVIDIA H100 80GB HBM3", "BFloat16", 989.0)]
    [InlineData("NVIDIA A100-SXM4-80GB; NVIDIA A100-SXM4-80GB", "Float32", 19.5)]
    [InlineData("NVIDIA A10", "BFloat16", 125.0)]                                    // not taken for an A100
    [InlineData("NVIDIA L4", "BFloat16", 121.0)]                                     // not taken for an L40S
    [InlineData("NVIDIA GeForce GTX 1080", "BFloat16", null)]                         // unknown: no guessed peak
    [InlineData(null, "BFloat16", null)]
    public void The_nominal_gpu_peak_is_the_data_sheet_rate_of_the_named_gpu_or_none(string? names, string dtype, double? expected) =>
        Assert.Equal(expected, Reproduction.Benchmarks.GpuPeak.Tflops(names, Enum.Parse<TorchSharp.torch.ScalarType>(dtype)));

    [Fact]
    public void REPRO_MALLOC_system_leaves_the_allocator_at_its_defaults()
    {
        var before = Environment.GetEnvironmentVariable(Reproduction.Runtime.NativeAllocator.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(Reproduction.Runtime.NativeAllocator.EnvironmentVariable, "system");
            Assert.Equal(OperatingSystem.IsLinux() ? "system" : "n/a", Reproduction.Runtime.NativeAllocator.UseHugePages());
        }
        finally { Environment.SetEnvironmentVariable(Reproduction.Runtime.NativeAllocator.EnvironmentVariable, before); }
    }

    [Fact]
    public void The_flop_formula_counts_the_lm_head_per_logit_row_and_training_as_three_forwards()
    {
        var c = Reproduction.Benchmarks.BenchShape.Tiny().Config;
        double noLogits = Reproduction.Benchmarks.ModelFlops.Forward(c, 1, 8, 0, 0);
        Assert.Equal(2.0 * c.VocabSize * c.HiddenSize, Reproduction.Benchmarks.ModelFlops.Forward(c, 1, 8, 0, 1) - noLogits, 6);
        Assert.Equal(3 * Reproduction.Benchmarks.ModelFlops.Forward(c, 2, 8, 0, 4), Reproduction.Benchmarks.ModelFlops.Training(c, 2, 8, 4), 6);
        // One cached step at context 8 costs less than re-running 8 tokens.
        Assert.True(Reproduction.Benchmarks.ModelFlops.Generation(c, 1, 8, 2, true) < Reproduction.Benchmarks.ModelFlops.Generation(c, 1, 8, 2, false));
    }
}
