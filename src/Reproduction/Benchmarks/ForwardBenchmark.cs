using Reproduction.Cli;
using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Benchmarks;

/// <summary>
/// Prefill throughput: a forward pass over batch × length random token ids under no_grad, logits of the last position
/// only (what generation's prefill computes). Tokens/s counts every input token; MFU (at the largest grid point) is
/// <see cref="ModelFlops.Forward"/> per second ÷ the measured torch.mm rate of the same dtype.
/// </summary>
public static class ForwardBenchmark
{
    public const string Name = "forward";

    public static IReadOnlyList<(long Batch, long Length)> Grid(bool quick) =>
        quick ? [(1, 32)] : [(1, 64), (1, 256), (8, 64)];

    public static IEnumerable<BenchCommand.Figure> Run(BenchSettings s)
    {
        foreach (var shape in s.Shapes())
            foreach (var dtype in BenchSettings.Dtypes)
            {
                var memory = PeakMemory.Start();
                var reference = s.Reference;
                reference?.Load(shape, dtype);
                reference?.PeakReset();
                var label = $"{shape.Name} {BenchSettings.DtypeName(dtype)}";
                using var model = Qwen3ForCausalLM.Initialize(shape.Config, 0, dtype, s.Device);
                model.eval();
                BenchCommand.Figure? last = null;
                double lastFlops = 0;
                foreach (var (b, t) in Grid(s.Quick))
                {
                    using var scope = torch.NewDisposeScope();
                    var ids = RandomIds(shape.Config.VocabSize, b, t, 1).to(s.Device);
                    void Work()
                    {
                        using var noGrad = torch.no_grad();
                        var logits = model.Forward(ids, logitsToKeep: 1).Logits!;
                        _ = logits.sum().to(ScalarType.Float32).item<float>();
                    }
                    var command = new System.Text.Json.Nodes.JsonObject { ["cmd"] = "forward", ["b"] = b, ["t"] = t };
                    var (timing, theirs) = reference is null
                        ? (Measure.Seconds(Work, s.Reps), null)
                        : Measure.Paired(Work, () => reference.Seconds(command), s.Reps);
                    last = Measure.Rate(Name, $"{label} B{b}×T{t} prefill", timing, b * t, "tokens/s");
                    lastFlops = ModelFlops.Forward(shape.Config, b, t, 0, b) / timing.Median;
                    yield return last;
                    if (theirs is not null)
                        foreach (var f in PytorchWorker.Compare(last, theirs, b * t)) yield return f;
                }
                foreach (var f in s.Mfu(Name, $"{label} MFU at {Grid(s.Quick)[^1].Batch}×{Grid(s.Quick)[^1].Length}", lastFlops, dtype)) yield return f;
                var peak = memory.Figure(Name, label);
                yield return peak;
                if (reference is not null)
                    foreach (var f in reference.CompareMemory(peak)) yield return f;
            }
    }

    /// <summary>Seeded uniform token ids [b, t] in [1, vocab).</summary>
    public static Tensor RandomIds(long vocab, long b, long t, ulong seed)
    {
        using var g = new torch.Generator(seed);
        return torch.randint(1, vocab, [b, t], generator: g, dtype: ScalarType.Int64);
    }
}
