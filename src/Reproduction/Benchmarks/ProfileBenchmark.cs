using Reproduction.Cli;
using Reproduction.Qwen3;
using Reproduction.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Benchmarks;

/// <summary>
/// Where the time of a prefill forward and of a training step goes, per model sub-step (the model's trace points:
/// input_layernorm, q/k/v_proj, q/k_norm, RoPE, attention core (cache, repeat_kv, QKᵀ, softmax) → attn_probs, AV →
/// attn_out, o_proj, residual, post_attention_layernorm, MLP, residual; summed over layers), then the final norm, the
/// lm_head + log-softmax on the scored rows, the loss, backward, AdamW and zero_grad. Each stage: milliseconds per
/// step (median over repetitions of the per-step total), share of the step, and tensors created per step
/// (<see cref="StageProfiler"/>). The grid points are those of the forward and train workloads.
/// </summary>
public static class ProfileBenchmark
{
    public const string Name = "profile";

    /// <summary>Stages timed apart from the step (not part of its total; their share is of the step's).</summary>
    public const string Isolated = "isolated: ";

    public static IEnumerable<BenchCommand.Figure> Run(BenchSettings s)
    {
        foreach (var shape in s.Shapes())
            foreach (var dtype in BenchSettings.Dtypes)
            {
                // A trace reads the attention probabilities, which SDPA does not expose: a traced forward takes the eager path.
                // Every preset runs eager (the default), so the profile times the kernel a run uses; with sdpa the label says so.
                var label = $"{shape.Name} {BenchSettings.DtypeName(dtype)}" + (shape.Config.AttnImplementation == Qwen3Config.Sdpa ? " (sdpa traced as eager)" : "");
                using var model = Qwen3ForCausalLM.Initialize(shape.Config, 0, dtype, s.Device);
                var (fb, ft) = ForwardBenchmark.Grid(s.Quick)[^1];
                model.eval();
                using (var scope = torch.NewDisposeScope())
                {
                    var ids = ForwardBenchmark.RandomIds(shape.Config.VocabSize, fb, ft, 1).to(s.Device);
                    var steps = Repeat(s, p =>
                    {
                        using var noGrad = torch.no_grad();
                        p.Restart();
                        var logits = model.Forward(ids, logitsToKeep: 1, trace: p.Trace()).Logits!;
                        p.Mark("final norm + lm_head (last row)");
                        _ = logits.sum().to(ScalarType.Float32).item<float>();
                        p.Mark("read back");
                    });
                    foreach (var f in Figures(s, $"{label} forward B{fb}×T{ft}", steps)) yield return f;
                }

                var (b, t, c) = TrainStepBenchmark.Point(shape, s.Quick);
                model.train();
                using var optimizer = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), new AdamW.Options());
                using (var scope = torch.NewDisposeScope())
                {
                    var ids = ForwardBenchmark.RandomIds(shape.Config.VocabSize, b, t, 2).to(s.Device);
                    var target = torch.zeros([b, t], ScalarType.Int64, s.Device);
                    target.narrow(1, t - c, c).fill_(1);
                    var steps = Repeat(s, p =>
                    {
                        p.Restart();
                        var hidden = model.Forward(ids, logitsToKeep: null, trace: p.Trace()).LastHiddenState;
                        p.Mark("final norm");
                        var lp = TokenLogProbs.FromHidden(model, hidden, ids, targetMask: target);
                        p.Mark("lm_head + log_softmax (scored rows)");
                        var valid = lp.Valid.to(lp.LogProbs.dtype);
                        var loss = -(lp.LogProbs * valid).sum() / valid.sum();
                        p.Mark("loss");
                        loss.backward();
                        p.Mark("backward");
                        optimizer.StepWith(1e-5);
                        p.Mark("optimizer (AdamW)");
                        optimizer.ZeroGrad();
                        _ = loss.item<float>();
                        p.Mark("zero_grad + read back");
                        // The backward split by isolation (the backward is one native call): the head's part (gradient to
                        // the hidden states and the tied weight's head gradient) and the embedding lookup's dense gradient
                        // timed alone; the decoder layers' part is the rest of the step's backward.
                        var detached = model.Forward(ids, logitsToKeep: null).LastHiddenState.detach().requires_grad_(true);
                        p.Restart();
                        var head = TokenLogProbs.FromHidden(model, detached, ids, targetMask: target);
                        var headValid = head.Valid.to(head.LogProbs.dtype);
                        var headLoss = -(head.LogProbs * headValid).sum() / headValid.sum();
                        p.Mark(Isolated + "lm_head + log_softmax + loss, forward");
                        headLoss.backward();
                        p.Mark(Isolated + "backward of logits and loss (to the hidden states and the tied weight)");
                        var embedded = model.Model.EmbedTokens.forward(ids);
                        var upstream = torch.ones_like(embedded);
                        p.Restart();
                        embedded.backward([upstream]);
                        p.Mark(Isolated + "backward of the embedding lookup (dense gradient of the tied weight)");
                        optimizer.ZeroGrad();
                    });
                    foreach (var f in Figures(s, $"{label} train B{b}×T{t} (loss on last {c})", steps)) yield return f;
                }
            }
    }

    /// <summary>One warm-up, then `Reps` profiled steps, each in its own dispose scope.</summary>
    private static List<IReadOnlyList<StageProfiler.StageTotal>> Repeat(BenchSettings s, Action<StageProfiler> step)
    {
        var runs = new List<IReadOnlyList<StageProfiler.StageTotal>>();
        for (int r = -1; r < s.Reps; r++)
        {
            using var scope = torch.NewDisposeScope();
            var p = new StageProfiler { Synchronize = s.Device.type == DeviceType.CUDA ? () => torch.cuda.synchronize() : null };
            step(p);
            if (r >= 0) runs.Add(p.Totals());
        }
        return runs;
    }

    private static IEnumerable<BenchCommand.Figure> Figures(BenchSettings s, string label, List<IReadOnlyList<StageProfiler.StageTotal>> runs)
    {
        var stages = runs[0].Select(x => x.Stage).ToList();
        double Median(IEnumerable<double> xs) { var o = xs.Order().ToList(); return o[o.Count / 2]; }
        var ms = stages.ToDictionary(st => st, st => runs.Select(r => 1000 * r.First(x => x.Stage == st).Seconds).ToList());
        double total = stages.Where(st => !st.StartsWith(Isolated, StringComparison.Ordinal)).Sum(st => Median(ms[st]));
        yield return Measure.Single(Name, $"{label}: step (sum of stage medians)", total, "ms", s.Reps);
        foreach (var st in stages)
        {
            var xs = ms[st];
            yield return new BenchCommand.Figure(Name, $"{label}: {st}", Median(xs), xs.Min(), xs.Max(), "ms", s.Reps);
            yield return Measure.Single(Name, $"{label}: {st} share", 100 * Median(xs) / total, "% of step", s.Reps);
            yield return Measure.Single(Name, $"{label}: {st} tensors", runs[^1].First(x => x.Stage == st).Tensors, "tensors/step", s.Reps);
        }
    }
}
