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
/// Gradient checkpointing is not measured: TorchSharp has no torch.utils.checkpoint (see <see cref="CheckpointingNote"/>).
/// </summary>
public static class PresetBenchmark
{
    public const string Name = "preset";

    public const string CheckpointingNote = "gradient checkpointing: not available (TorchSharp 0.107 has no torch.utils.checkpoint; recomputing each decoder layer in the backward needs a custom autograd function around the layer, which is not built), so every figure keeps all activations";

    /// <summary>The short sizes: SFT B × T (loss on the last C), GRPO rows × prompt + new tokens, evaluation rows × prompt + new tokens and CE rows × T.</summary>
    public sealed record Sizes(int SftBatch, int SftLength, int SftCompletion, int GrpoRows, int Prompt, int NewTokens, int EvalRows)
    {
        public static Sizes For(bool quick) => quick ? new(1, 16, 4, 2, 16, 4, 2) : new(2, 96, 8, 4, 64, 16, 4);
    }

    public static IEnumerable<BenchCommand.Figure> Run(Qwen3Config config, string shapeName, BenchSettings s, List<PaperRunProjection.CpuRates> rates)
    {
        var tokenizer = Qwen3Tokenizer.LoadDefault();
        var z = Sizes.For(s.Quick);
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
            using (var data = torch.NewDisposeScope())
            {
                var ids = ForwardBenchmark.RandomIds(config.VocabSize, z.SftBatch, z.SftLength, 2).to(s.Device);
                var target = torch.zeros([z.SftBatch, z.SftLength], ScalarType.Int64, s.Device);
                target.narrow(1, z.SftLength - z.SftCompletion, z.SftCompletion).fill_(1);
                model.train();
                for (int rep = -1; rep < reps; rep++)
                {
                    using var scope = torch.NewDisposeScope();
                    var clock = Stopwatch.StartNew();
                    var lp = TokenLogProbs.Compute(model, ids, targetMask: target);
                    var valid = lp.Valid.to(lp.LogProbs.dtype);
                    var loss = -(lp.LogProbs * valid).sum() / valid.sum();
                    loss.backward();
                    if (!float.IsFinite(loss.item<float>())) throw new ReproException($"bench --preset: {label}: the SFT loss is not finite");
                    double c = clock.Elapsed.TotalSeconds;
                    clock.Restart();
                    torch.nn.utils.clip_grad_norm_(optimizer.Parameters, 1.0);
                    optimizer.StepWith(1e-5);
                    optimizer.ZeroGrad();
                    double o = clock.Elapsed.TotalSeconds;
                    if (rep >= 0) { compute.Add(c); optimize.Add(o); }
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

    private static Timing Summary(List<double> seconds)
    {
        var s = seconds.Order().ToList();
        return new Timing(s[s.Count / 2], s[0], s[^1], s.Count);
    }

    private static BenchCommand.Figure Seconds(string name, Timing t) => new(Name, name, t.Median, t.Min, t.Max, "s", t.Repetitions);
}
