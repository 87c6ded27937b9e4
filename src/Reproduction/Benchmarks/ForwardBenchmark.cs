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

    public static IEnumerable<BenchCommand.Figure> Run(BenchSettings s, Func<ScalarType, double> gemmGflops)
    {
        foreach (var shape in s.Shapes())
            foreach (var dtype in BenchSettings.Dtypes)
            {
                var memory = PeakMemory.Start();
                var label = $"{shape.Name} {BenchSettings.DtypeName(dtype)}";
                using var model = Qwen3ForCausalLM.Initialize(shape.Config, 0, dtype);
                model.eval();
                BenchCommand.Figure? last = null;
                double lastFlops = 0;
                foreach (var (b, t) in Grid(s.Quick))
                {
                    using var scope = torch.NewDisposeScope();
                    var ids = RandomIds(shape.Config.VocabSize, b, t, 1);
                    var timing = Measure.Seconds(() =>
                    {
                        using var noGrad = torch.no_grad();
                        var logits = model.Forward(ids, logitsToKeep: 1).Logits!;
                        _ = logits.sum().to(ScalarType.Float32).item<float>();
                    }, s.Reps);
                    last = Measure.Rate(Name, $"{label} B{b}×T{t} prefill", timing, b * t, "tokens/s");
                    lastFlops = ModelFlops.Forward(shape.Config, b, t, 0, b) / timing.Median;
                    yield return last;
                }
                yield return Measure.Single(Name, $"{label} MFU at {Grid(s.Quick)[^1].Batch}×{Grid(s.Quick)[^1].Length}",
                    100 * lastFlops / 1e9 / gemmGflops(dtype), "% of torch.mm", s.Reps);
                yield return memory.Figure(Name, label);
            }
    }

    /// <summary>Seeded uniform token ids [b, t] in [1, vocab).</summary>
    public static Tensor RandomIds(long vocab, long b, long t, ulong seed)
    {
        using var g = new torch.Generator(seed);
        return torch.randint(1, vocab, [b, t], generator: g, dtype: ScalarType.Int64);
    }
}
