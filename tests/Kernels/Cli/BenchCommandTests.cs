using System.Text.Json.Nodes;
using Reproduction.Cli;

namespace Repro.Tests.Cli;

/// <summary>`repro bench` writes its figures with units; it asserts nothing about speed (benchmarks measure, tests do not time).</summary>
public sealed class BenchCommandTests
{
    [Fact]
    public void The_gemm_workload_writes_each_dtype_with_median_min_max_and_unit()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("repro-bench-").FullName, "bench.json");
        Assert.Equal(0, ReproCli.Run(["bench", "--workloads", "gemm", "--repetitions", "2", "--json", path]));
        var figures = JsonNode.Parse(File.ReadAllText(path))!["figures"]!.AsArray();
        Assert.Equal(2, figures.Count);
        Assert.All(figures, f =>
        {
            Assert.Equal("GFLOP/s", f!["Unit"]!.GetValue<string>());
            Assert.True(f["Min"]!.GetValue<double>() > 0 && f["Min"]!.GetValue<double>() <= f["Median"]!.GetValue<double>() && f["Median"]!.GetValue<double>() <= f["Max"]!.GetValue<double>());
        });
        Assert.Equal(2, ReproCli.Run(["bench", "--workloads", "gemm,flops"]));
    }
}
