using Reproduction.Cli;
using Reproduction.Qwen3;
using Reproduction.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Benchmarks;

/// <summary>
/// One SFT-style training step: forward, completion-only loss (mean −log p over the last `completion` tokens of each
/// row, via <see cref="TokenLogProbs"/> so logits exist only at those positions), backward, AdamW update (bf16
/// parameters keep float32 master weights), zero_grad. Tokens/s counts every input token of the batch; MFU is
/// <see cref="ModelFlops.Training"/> per second ÷ the measured torch.mm rate of the same dtype.
/// </summary>
public static class TrainStepBenchmark
{
    public const string Name = "train";

    public static (long Batch, long Length, long Completion) Point(BenchShape shape, bool quick) =>
        quick ? (2, 32, 8) : shape.IsTiny ? (16, 96, 16) : (4, 64, 16);

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
                var (b, t, c) = Point(shape, s.Quick);
                using var model = Qwen3ForCausalLM.Initialize(shape.Config, 0, dtype, s.Device);
                model.train();
                using var optimizer = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), new AdamW.Options());
                using var data = torch.NewDisposeScope();
                var ids = ForwardBenchmark.RandomIds(shape.Config.VocabSize, b, t, 2).to(s.Device);
                var target = torch.zeros([b, t], ScalarType.Int64, s.Device);
                target.narrow(1, t - c, c).fill_(1);
                void Work() => Step(model, optimizer, ids, target);
                var command = new System.Text.Json.Nodes.JsonObject { ["cmd"] = "train", ["b"] = b, ["t"] = t, ["c"] = c };
                var (timing, theirs) = reference is null
                    ? (Measure.Seconds(Work, s.Reps), null)
                    : Measure.Paired(Work, () => reference.Seconds(command), s.Reps);
                var rate = Measure.Rate(Name, $"{label} B{b}×T{t} (loss on last {c})", timing, b * t, "tokens/s");
                yield return rate;
                if (theirs is not null)
                    foreach (var f in PytorchWorker.Compare(rate, theirs, b * t)) yield return f;
                double flops = ModelFlops.Training(shape.Config, b, t, b * c) / timing.Median;
                foreach (var f in s.Mfu(Name, $"{label} MFU", flops, dtype)) yield return f;
                var peak = memory.Figure(Name, label);
                yield return peak;
                if (reference is not null)
                    foreach (var f in reference.CompareMemory(peak)) yield return f;
            }
    }

    public static float Step(Qwen3ForCausalLM model, AdamW optimizer, Tensor ids, Tensor targetMask, double lr = 1e-5)
    {
        var lp = TokenLogProbs.Compute(model, ids, targetMask: targetMask);
        var valid = lp.Valid.to(lp.LogProbs.dtype);
        var loss = -(lp.LogProbs * valid).sum() / valid.sum();
        loss.backward();
        optimizer.StepWith(lr);
        optimizer.ZeroGrad();
        return loss.item<float>();
    }
}
