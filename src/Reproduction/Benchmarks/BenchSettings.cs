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
