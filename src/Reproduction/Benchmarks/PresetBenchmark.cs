using System.Diagnostics;
using Reproduction.Cli;
using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Rewards;
using Reproduction.Sampling;
using Reproduction.Text;
using Reproduction.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Benchmarks;

/// <summary>
/// `repro bench --preset`: the units of a study run measured short at the preset's model shape (random weights), in
/// float32 and bfloat16, each after one warm-up: an SFT step (forward + backward of B × T tokens with the loss on the
/// last C, then grad-norm clip + AdamW + zero_grad timed apart: the optimizer's cost does not grow with tokens), a GRPO
/// step split as <see cref="GrpoStepBenchmark.Step"/> times it (rollout = generation with the KV cache; log-prob +
/// backward = training; optimizer), and an evaluation (mean@1 sampling at T 0.6 / top-p 0.95 with the KV cache, and a
/// CE forward). Each phase gives seconds, model FLOPs (<see cref="ModelFlops"/>) and so a FLOP rate, which
/// <see cref="PaperRunProjection"/> scales to the full run; peak RSS per dtype block (in-process, <see cref="PeakMemory"/>).
/// Beside the units: the SFT step as a run takes it (k accumulated micro-batches, then the optimizer), whose MFU is also
/// given against the bfloat16 GEMM rate; one long-sequence training step with and without gradient checkpointing (peak
/// RSS above the resident before it, time); and decoding (<see cref="Decode"/>).
/// </summary>
public static class PresetBenchmark
{
    public const string Name = "preset";

    public const string CheckpointingNote = "gradient checkpointing (Qwen3/GradientCheckpointing.cs, a custom autograd function: TorchSharp has no torch.utils.checkpoint): measured on one long-sequence training step per dtype, on and off; every other figure keeps all activations, as the presets do";

    /// <summary>
    /// The short sizes: SFT B × T (loss on the last C), GRPO rows × prompt + new tokens, evaluation rows × prompt + new
    /// tokens and CE rows × T; the long sequence of the checkpointing step (B × T, loss on its second half); the decoded
    /// tokens and batches. The SFT step as trained takes the preset's own per_device_train_batch_size and
    /// gradient_accumulation_steps (at most 1 and 2 with --quick).
    /// </summary>
    public sealed record Sizes(int SftBatch, int SftLength, int SftCompletion, int GrpoRows, int Prompt, int NewTokens, int EvalRows,
        int LongBatch, int LongLength, int DecodeTokens, int[] DecodeBatches)
    {
        public static Sizes For(bool quick) => quick
            ? new(1, 16, 4, 2, 16, 4, 2, LongBatch: 1, LongLength: 32, DecodeTokens: 8, DecodeBatches: [1])
            : new(2, 96, 8, 4, 64, 16, 4, LongBatch: 2, LongLength: 512, DecodeTokens: 256, DecodeBatches: [1, 16]);
    }

    /// <summary>The mean next-token loss on the masked positions, backward (divided by <paramref name="scale"/>, as accumulation does).</summary>
    private static void Backward(Qwen3ForCausalLM model, Tensor ids, Tensor target, string label, double scale = 1)
    {
        using var scope = torch.NewDisposeScope();
        var lp = TokenLogProbs.Compute(model, ids, targetMask: target);
        var valid = lp.Valid.to(lp.LogProbs.dtype);
        var loss = -(lp.LogProbs * valid).sum() / valid.sum();
        (loss / scale).backward();
        if (!float.IsFinite(loss.item<float>())) throw new ReproException($"bench --preset: {label}: the SFT loss is not finite");
    }

    public static IEnumerable<BenchCommand.Figure> Run(Qwen3Config config, string shapeName, BenchSettings s, List<PaperRunProjection.CpuRates> rates,
        int microBatch, int accumulation)
    {
        var tokenizer = Qwen3Tokenizer.LoadDefault();
        var z = Sizes.For(s.Quick);
        if (s.Quick) (microBatch, accumulation) = (Math.Min(1, microBatch), Math.Min(2, accumulation));
        int reps = s.Reps;
        foreach (var dtype in BenchSettings.Dtypes)
        {
            var label = $"{shapeName} {BenchSettings.DtypeName(dtype)}";
            var memory = PeakMemory.Start();
            using var model = Qwen3ForCausalLM.Initialize(config, 0, dtype, s.Device);
            using var optimizer = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), new AdamW.Options());

            // SFT step: forward + backward, then the optimizer, timed apart.
            var compute = new List<double>();
            var optimize = new List<double>();
            var accumulated = new List<double>();
            using (var data = torch.NewDisposeScope())
            {
                var ids = ForwardBenchmark.RandomIds(config.VocabSize, z.SftBatch, z.SftLength, 2).to(s.Device);
                var target = torch.zeros([z.SftBatch, z.SftLength], ScalarType.Int64, s.Device);
                target.narrow(1, z.SftLength - z.SftCompletion, z.SftCompletion).fill_(1);
                model.train();
                for (int rep = -1; rep < reps; rep++)
                {
                    var clock = Stopwatch.StartNew();
                    Backward(model, ids, target, label);
                    double c = clock.Elapsed.TotalSeconds;
                    clock.Restart();
                    torch.nn.utils.clip_grad_norm_(optimizer.Parameters, 1.0);
                    optimizer.StepWith(1e-5);
                    optimizer.ZeroGrad();
                    double o = clock.Elapsed.TotalSeconds;
                    if (rep >= 0) { compute.Add(c); optimize.Add(o); }
                }
                // The step as the preset takes it: gradient_accumulation_steps micro-batches of per_device_train_batch_size, then
                // one clip + AdamW + zero_grad (after one micro-batch of warm-up at that batch size).
                var microIds = ForwardBenchmark.RandomIds(config.VocabSize, microBatch, z.SftLength, 6).to(s.Device);
                var microTarget = torch.zeros([microBatch, z.SftLength], ScalarType.Int64, s.Device);
                microTarget.narrow(1, z.SftLength - z.SftCompletion, z.SftCompletion).fill_(1);
                Backward(model, microIds, microTarget, label);
                optimizer.ZeroGrad();
                for (int rep = 0; rep < reps; rep++)
                {
                    var clock = Stopwatch.StartNew();
                    for (int m = 0; m < accumulation; m++) Backward(model, microIds, microTarget, label, accumulation);
                    torch.nn.utils.clip_grad_norm_(optimizer.Parameters, 1.0);
                    optimizer.StepWith(1e-5);
                    optimizer.ZeroGrad();
                    accumulated.Add(clock.Elapsed.TotalSeconds);
                }
            }
            double sftFlops = ModelFlops.Training(config, z.SftBatch, z.SftLength, z.SftBatch * z.SftCompletion);
            var sftTiming = Summary(compute);
            var optTiming = Summary(optimize);
            yield return Seconds($"{label} SFT step B{z.SftBatch}×T{z.SftLength} (loss on last {z.SftCompletion}): forward + backward", sftTiming);
            yield return Seconds($"{label} optimizer step (clip + AdamW + zero_grad, {model.parameters().Sum(p => p.numel()):N0} parameters)", optTiming);
            double trainRate = sftFlops / sftTiming.Median;
            yield return Measure.Single(Name, $"{label} SFT forward + backward rate", trainRate / 1e9, "GFLOP/s", reps);
            foreach (var f in s.Mfu(Name, $"{label} SFT step MFU (forward + backward)", trainRate, dtype)) yield return f;
            foreach (var f in s.Mfu(Name, $"{label} SFT step MFU (with the optimizer)", sftFlops / (sftTiming.Median + optTiming.Median), dtype)) yield return f;
            var stepTiming = Summary(accumulated);
            var stepLabel = $"{label} SFT step of {accumulation} accumulated micro-batches B{microBatch}×T{z.SftLength} (loss on last {z.SftCompletion}) + optimizer";
            double stepRate = accumulation * ModelFlops.Training(config, microBatch, z.SftLength, microBatch * z.SftCompletion) / stepTiming.Median;
            yield return Seconds(stepLabel, stepTiming);
            foreach (var f in s.Mfu(Name, $"{stepLabel}: MFU", stepRate, dtype)) yield return f;
            yield return Measure.Single(Name, $"{stepLabel}: MFU of the bfloat16 GEMM rate", 100 * stepRate / 1e9 / s.GemmRate(ScalarType.BFloat16), "% of bf16 torch.mm", reps);


            // GRPO step: rollout (generation) and training (log-prob + backward) apart, then the optimizer.
            var options = new GrpoOptions { NumGenerations = z.GrpoRows, PromptsPerStep = 1, MaxCompletionLength = z.NewTokens, LearningRate = 1e-6, TopK = 0 };
            var prompts = GenerationBenchmark.Prompts(config.VocabSize, 1).Select(p => Enumerable.Repeat(p, 1 + z.Prompt / Math.Max(1, p.Length)).SelectMany(x => x).Take(z.Prompt).ToArray()).ToList();
            var rows = Enumerable.Repeat(prompts[0], z.GrpoRows).ToList();
            var phases = GrpoStepBenchmark.Phases.ToDictionary(p => p, _ => new List<double>());
            for (int rep = -1; rep < reps; rep++)
            {
                using var scope = torch.NewDisposeScope();
                var times = GrpoStepBenchmark.Step(model, optimizer, tokenizer, new StrictColaReward(), options, rows, (ulong)(rep + 2));
                if (rep >= 0) foreach (var (k, v) in times) phases[k].Add(v);
            }
            var generation = Summary(phases["rollout"]);
            var grpoTrain = Summary(phases["log-prob"].Zip(phases["backward"], (a, b) => a + b).ToList());
            double generationFlops = ModelFlops.Generation(config, z.GrpoRows, z.Prompt, z.NewTokens, useCache: true);
            double grpoTrainFlops = ModelFlops.Training(config, z.GrpoRows, z.Prompt + z.NewTokens, z.GrpoRows * z.NewTokens);
            var grpoLabel = $"{label} GRPO step {z.GrpoRows} samples × ({z.Prompt} prompt + {z.NewTokens} new)";
            yield return Seconds($"{grpoLabel}: generation (rollout, KV cache)", generation);
            yield return Seconds($"{grpoLabel}: training (log-prob + backward)", grpoTrain);
            yield return Seconds($"{grpoLabel}: optimizer", Summary(phases["optimizer"]));
            yield return Measure.Single(Name, $"{grpoLabel}: generation rate", generationFlops / generation.Median / 1e9, "GFLOP/s", reps);
            yield return Measure.Single(Name, $"{grpoLabel}: training rate", grpoTrainFlops / grpoTrain.Median / 1e9, "GFLOP/s", reps);
            foreach (var f in s.Mfu(Name, $"{grpoLabel}: training MFU", grpoTrainFlops / grpoTrain.Median, dtype)) yield return f;

            // Evaluation: mean@1 sampling (the preset's T 0.6 / top-p 0.95) and a CE forward.
            model.eval();
            var evalRows = Enumerable.Repeat(prompts[0], z.EvalRows).ToList();
            var sampling = new SamplingOptions { DoSample = true, Temperature = 0.6, TopP = 0.95, TopK = 0, MaxNewTokens = z.NewTokens, PadTokenId = 0, EosTokenIds = [] };
            var sample = Measure.Seconds(() => _ = TokenGenerator.Generate(model, evalRows, sampling with { Seed = 7 }), reps);
            Tensor ceIds = ForwardBenchmark.RandomIds(config.VocabSize, z.EvalRows, z.SftLength, 3).to(s.Device).DetachFromDisposeScope();
            var ceTarget = torch.zeros([z.EvalRows, z.SftLength], ScalarType.Int64, s.Device).DetachFromDisposeScope();
            ceTarget.narrow(1, z.SftLength - z.SftCompletion, z.SftCompletion).fill_(1);
            var ce = Measure.Seconds(() =>
            {
                using var noGrad = torch.no_grad();
                var lp = TokenLogProbs.Compute(model, ceIds, targetMask: ceTarget);
                _ = lp.LogProbs.sum().item<float>();
            }, reps);
            ceIds.Dispose();
            ceTarget.Dispose();
            double sampleFlops = ModelFlops.Generation(config, z.EvalRows, z.Prompt, z.NewTokens, useCache: true);
            double ceFlops = ModelFlops.Forward(config, z.EvalRows, z.SftLength, 0, z.EvalRows * z.SftCompletion);
            yield return Seconds($"{label} evaluation: mean@1 sampling {z.EvalRows} × ({z.Prompt} prompt + {z.NewTokens} new)", sample);
            yield return Seconds($"{label} evaluation: CE forward {z.EvalRows} × T{z.SftLength}", ce);
            yield return Measure.Single(Name, $"{label} evaluation: mean@1 sampling rate", sampleFlops / sample.Median / 1e9, "GFLOP/s", reps);
            yield return Measure.Single(Name, $"{label} evaluation: CE forward rate", ceFlops / ce.Median / 1e9, "GFLOP/s", reps);
            yield return memory.Figure(Name, label);

            rates.Add(new PaperRunProjection.CpuRates(BenchSettings.DtypeName(dtype), trainRate, generationFlops / generation.Median,
                grpoTrainFlops / grpoTrain.Median, sampleFlops / sample.Median, ceFlops / ce.Median, optTiming.Median));
        }
    }

    /// <summary>
    /// A B × T training step (loss on the second half) of a fresh model per dtype (no optimizer state beside it, so the
    /// peak stays near the weights' and the step's own), without and with gradient checkpointing: seconds and the peak
    /// resident memory above what was resident before the step (the activations, and the gradients the backward allocates).
    /// </summary>
    public static IEnumerable<BenchCommand.Figure> Checkpointing(Qwen3Config config, string shapeName, BenchSettings s)
    {
        var z = Sizes.For(s.Quick);
        foreach (var dtype in BenchSettings.Dtypes)
        {
            var name = $"{shapeName} {BenchSettings.DtypeName(dtype)} training step B{z.LongBatch}×T{z.LongLength} (forward + backward)";
            using var model = Qwen3ForCausalLM.Initialize(config, 0, dtype, s.Device);
            using var data = torch.NewDisposeScope();
            var ids = ForwardBenchmark.RandomIds(config.VocabSize, z.LongBatch, z.LongLength, 4).to(s.Device);
            var target = torch.zeros([z.LongBatch, z.LongLength], ScalarType.Int64, s.Device);
            target.narrow(1, z.LongLength / 2, z.LongLength - z.LongLength / 2).fill_(1);
            model.train();
            Backward(model, ids, target, name);                                  // warm-up
            model.zero_grad();
            var peaks = new Dictionary<bool, double>();
            foreach (var on in new[] { false, true })
            {
                model.GradientCheckpointing = on;
                var times = new List<double>();
                double above = 0;
                for (int rep = 0; rep < s.Reps; rep++)
                {
                    _ = PeakMemory.Start();
                    long before = Runtime.ProcessMemory.ResidentBytes() ?? 0;
                    var clock = Stopwatch.StartNew();
                    Backward(model, ids, target, name);
                    times.Add(clock.Elapsed.TotalSeconds);
                    above = Math.Max(above, ((Runtime.ProcessMemory.PeakResidentBytes() ?? 0) - before) / 1048576.0);
                    model.zero_grad();
                }
                var mode = on ? "gradient checkpointing on" : "gradient checkpointing off";
                yield return Seconds($"{name}, {mode}", Summary(times));
                yield return Measure.Single(Name, $"{name}, {mode}: peak RSS above the resident before the step", above, "MiB", s.Reps);
                peaks[on] = above;
            }
            model.GradientCheckpointing = false;
            if (peaks[false] > 0)                                              // a tiny --quick model may add nothing measurable
                yield return Measure.Single(Name, $"{name}: peak RSS above resident, checkpointing on ÷ off", peaks[true] / peaks[false], "×", s.Reps);
        }
    }

    /// <summary>
    /// Decoding at the shape, greedy from 16-token prompts (the generate workload's and the PyTorch worker's), per dtype
    /// and batch: N new tokens with the KV cache (one timed run after a 4-token warm-up; at batch 1, the per-token
    /// latency, beside PyTorch's when a worker is given: PyTorch 1.13's batch-16 decode at full depth takes tens of
    /// minutes a dtype on 2 cores) and the per-token time. Without the cache, step i re-runs the whole 16 + i tokens; generating N that
    /// way is timed at three sequence lengths (a one-token generation from a prompt of that length: exactly one uncached
    /// step) and summed over the N steps by Simpson's rule (the step's cost is linear plus a small quadratic attention
    /// term in the length, which the rule integrates exactly). The estimate is checked in the same run against a measured
    /// uncached generation of 32 tokens at batch 1.
    /// </summary>
    public static IEnumerable<BenchCommand.Figure> Decode(Qwen3Config config, string shapeName, BenchSettings s, PytorchWorker? reference)
    {
        var z = Sizes.For(s.Quick);
        int n = z.DecodeTokens, p = GenerationBenchmark.PromptLength;
        foreach (var dtype in BenchSettings.Dtypes)
        {
            var label = $"{shapeName} {BenchSettings.DtypeName(dtype)} decode";
            using var model = Qwen3ForCausalLM.Initialize(config, 0, dtype, s.Device);
            model.eval();
            reference?.Load(new BenchShape(shapeName, config), dtype);
            double Step(int batch, int length)
            {
                using var scope = torch.NewDisposeScope();
                var ids = ForwardBenchmark.RandomIds(config.VocabSize, batch, length, 5);
                var prompts = Enumerable.Range(0, batch).Select(r => ids[r].data<long>().ToArray()).ToList();
                return Measure.Seconds(() => GenerationBenchmark.Generate(model, prompts, 1, useCache: false), 1, warmup: 0).Median;
            }
            double Simpson(int batch, int tokens)
            {
                int first = p, last = p + tokens - 1;
                return tokens * (Step(batch, first) + 4 * Step(batch, (first + last + 1) / 2) + Step(batch, last)) / 6;
            }
            foreach (int b in z.DecodeBatches)
            {
                var prompts = GenerationBenchmark.Prompts(config.VocabSize, b);
                GenerationBenchmark.Generate(model, prompts, 4, useCache: true);                                 // warm-up
                var name = $"{label} B{b} {n} new, KV cache";
                Timing cached;
                if (reference is not null && b == 1)
                {
                    reference.Seconds(new System.Text.Json.Nodes.JsonObject { ["cmd"] = "generate", ["b"] = b, ["n"] = 4 });
                    var (ours, theirs) = Measure.Paired(() => GenerationBenchmark.Generate(model, prompts, n, useCache: true),
                        () => reference.Seconds(new System.Text.Json.Nodes.JsonObject { ["cmd"] = "generate", ["b"] = b, ["n"] = n }), 1, warmup: 0);
                    cached = ours;
                    var rate = Measure.Rate(Name, name, ours, b * n, "new tokens/s");
                    yield return rate;
                    foreach (var f in PytorchWorker.Compare(rate, theirs, b * n)) yield return f;
                    yield return Measure.Single(PytorchWorker.Name + "/" + Name, $"{name}: time per decoding step", 1000 * theirs.Median / n, "ms");
                }
                else
                {
                    cached = Measure.Seconds(() => GenerationBenchmark.Generate(model, prompts, n, useCache: true), 1, warmup: 0);
                    yield return Measure.Rate(Name, name, cached, b * n, "new tokens/s");
                }
                yield return Measure.Single(Name, $"{name}: time per decoding step", 1000 * cached.Median / n, "ms");
                double uncached = Simpson(b, n);
                yield return Measure.Single(Name, $"{label} B{b} {n} new, no cache (3 step lengths, Simpson's rule): seconds", uncached, "s");
                yield return Measure.Single(Name, $"{label} B{b} {n} new, cache ÷ no cache", uncached / cached.Median, "×");
            }
            int check = Math.Min(32, n);
            var one = GenerationBenchmark.Prompts(config.VocabSize, 1);
            double measured = Measure.Seconds(() => GenerationBenchmark.Generate(model, one, check, useCache: false), 1, warmup: 0).Median;
            yield return Measure.Single(Name, $"{label} B1 {check} new, no cache: Simpson's estimate ÷ the measured generation ({measured:F2} s)", Simpson(1, check) / measured, "×");
        }
    }

    private static Timing Summary(List<double> seconds)
    {
        var s = seconds.Order().ToList();
        return new Timing(s[s.Count / 2], s[0], s[^1], s.Count);
    }

    private static BenchCommand.Figure Seconds(string name, Timing t) => new(Name, name, t.Median, t.Min, t.Max, "s", t.Repetitions);
}
