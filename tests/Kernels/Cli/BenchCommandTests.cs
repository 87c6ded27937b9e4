using System.Text.Json.Nodes;
using Reproduction.Cli;

namespace Repro.Tests.Cli;

/// <summary>`repro bench` writes its figures with units; it asserts nothing about speed (benchmarks measure, tests do not time).</summary>
public sealed class BenchCommandTests
{
    private static JsonArray RunBench(params string[] args)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("repro-bench-").FullName, "bench.json");
        Assert.Equal(0, ReproCli.Run(["bench", .. args, "--json", path]));
        return JsonNode.Parse(File.ReadAllText(path))!["figures"]!.AsArray();
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
        Assert.Equal(2, figures.Count);
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
    [InlineData("tokenizer", new[] { "tokens/s", "sentences/s", "MiB peak RSS" })]
    public void Each_model_workload_runs_in_quick_mode_and_writes_figures_with_units(string workload, string[] units)
    {
        var figures = RunBench("--workloads", workload, "--quick", "--shapes", "tiny");
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
        if (workload == "grpo")                                               // the four phase shares of one dtype sum to 100%
        {
            var shares = figures.Where(f => f!["Unit"]!.GetValue<string>() == "% of step" && f["Name"]!.GetValue<string>().Contains("f32", StringComparison.Ordinal));
            Assert.Equal(100, shares.Sum(f => f!["Median"]!.GetValue<double>()), 6);
        }
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
