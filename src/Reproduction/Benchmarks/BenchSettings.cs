using TorchSharp;

namespace Reproduction.Benchmarks;

/// <summary>
/// What one `repro bench` run measures: repetitions per figure, the `--quick` switch (2 repetitions, the smallest grid
/// point of each workload), the shapes (`--shapes`), the depth of the 0.6B shape, and the FLOP budget above which a generation point is skipped
/// (no-cache generation grows quadratically; the skip is printed, never silent).
/// </summary>
public sealed record BenchSettings(int Repetitions, bool Quick, int Layers, double GenerationFlopBudget, IReadOnlyList<string>? ShapeNames = null)
{
    public static readonly torch.ScalarType[] Dtypes = [torch.ScalarType.Float32, torch.ScalarType.BFloat16];

    /// <summary>The PyTorch worker of `--compare-pytorch` (null: no comparison); workloads alternate repetitions with it.</summary>
    public PytorchWorker? Reference { get; init; }

    /// <summary>The device the models run on (`--device`: cpu, or cuda on a CUDA build).</summary>
    public torch.Device Device { get; init; } = torch.CPU;

    /// <summary>The measured GEMM rate (GFLOP/s) of a dtype on <see cref="Device"/>: MFU's denominator (measured on first use).</summary>
    public Func<torch.ScalarType, double> GemmRate { get; init; } = _ => double.NaN;

    /// <summary>A GPU's nominal dense peak (TFLOP/s) for a dtype, when the device is a known GPU; null otherwise.</summary>
    public Func<torch.ScalarType, double?> NominalPeak { get; init; } = _ => null;

    /// <summary>MFU figures of a workload at `flopsPerSecond`: against the measured GEMM rate and, on a known GPU, its nominal peak.</summary>
    public IEnumerable<Cli.BenchCommand.Figure> Mfu(string workload, string name, double flopsPerSecond, torch.ScalarType dtype)
    {
        yield return Measure.Single(workload, name, 100 * flopsPerSecond / 1e9 / GemmRate(dtype), "% of torch.mm", Reps);
        if (NominalPeak(dtype) is { } peak)
            yield return Measure.Single(workload, $"{name} (nominal peak {peak:G4} TFLOP/s)", 100 * flopsPerSecond / 1e12 / peak, "% of GPU peak", Reps);
    }

    public int Reps => Quick ? Math.Min(2, Repetitions) : Repetitions;

    public const string AllShapes = "tiny,0.6b";

    /// <summary>The shapes `--shapes` selects: "tiny" and "0.6b" (the Qwen3-0.6B shape cut to <see cref="Layers"/> layers).</summary>
    public IReadOnlyList<BenchShape> Shapes()
    {
        var names = ShapeNames ?? AllShapes.Split(',');
        foreach (var n in names)
            if (n is not ("tiny" or "0.6b")) throw new ReproException($"--shapes: unknown shape '{n}' (tiny, 0.6b)");
        var shapes = new List<BenchShape>();
        if (names.Contains("tiny")) shapes.Add(BenchShape.Tiny());
        if (names.Contains("0.6b")) shapes.Add(BenchShape.Qwen3_0_6B(Layers));
        return shapes;
    }

    public static string DtypeName(torch.ScalarType d) => d == torch.ScalarType.BFloat16 ? "bf16" : "f32";
}
