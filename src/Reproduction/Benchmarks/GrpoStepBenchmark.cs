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
/// One GRPO step, its five phases timed the way <see cref="GrpoTrainer"/> runs them: rollout (batched sampling of the
/// whole group with the KV cache, temperature 1, no eos so every completion is full length; 64-token random prompts),
/// scoring (decode with the Qwen3 tokenizer, the strict CoLA reward, group advantages), log-prob (forward of prompt +
/// completion, lm_head and log-softmax on the completion rows via <see cref="TokenLogProbs"/>, the dapo loss),
/// backward, optimizer (grad-norm clip and AdamW). Sizes: the tiny preset's 16 prompts × 8 samples × 24 tokens on the
/// tiny shape; one group of 8 × 24 tokens on the 0.6B shape, one timed step after the warm-up. Reported: the median seconds of the step (sum of phase
/// medians) and each phase's share.
/// </summary>
public static class GrpoStepBenchmark
{
    public const string Name = "grpo";
    public static readonly string[] Phases = ["rollout", "scoring", "log-prob", "backward", "optimizer"];

    /// <summary>Prompts × samples per step: the tiny preset's 16 × 8; on the 0.6B shape one group of 8 (CPU time); --quick 2 × 2.</summary>
    public static (int Prompts, int Samples) Sizes(BenchShape shape, bool quick) => quick ? (2, 2) : shape.IsTiny ? (16, 8) : (1, 8);

    public static IEnumerable<BenchCommand.Figure> Run(BenchSettings s)
    {
        var tokenizer = Qwen3Tokenizer.LoadDefault();
        var reward = new StrictColaReward();
        foreach (var (shape, dtype) in s.Shapes().SelectMany(sh => BenchSettings.Dtypes.Select(d => (sh, d))))
        {
            var (prompts, g) = Sizes(shape, s.Quick);
            int completion = s.Quick ? 8 : 24, promptLength = 64;
            var options = new GrpoOptions { NumGenerations = g, PromptsPerStep = prompts, MaxCompletionLength = completion, LearningRate = 1e-3, TopK = 0 };
            var memory = PeakMemory.Start();
            var label = $"{shape.Name} {BenchSettings.DtypeName(dtype)} {prompts}×{g}, {completion} new";
            using var model = Qwen3ForCausalLM.Initialize(shape.Config, 0, dtype, s.Device);
            using var optimizer = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), new AdamW.Options());
            var promptIds = GenerationBenchmark.Prompts(shape.Config.VocabSize, prompts).Select(p => p.Concat(p).Concat(p).Concat(p).Take(promptLength).ToArray()).ToList();
            var rows = promptIds.SelectMany(p => Enumerable.Repeat(p, g)).ToList();
            var seconds = Phases.ToDictionary(p => p, _ => new List<double>());
            int reps = shape.IsTiny ? s.Reps : 1;                                                     // a 0.6B-shaped step takes seconds on CPU
            for (int rep = -1; rep < reps; rep++)                                     // rep −1 is the warm-up
            {
                using var scope = torch.NewDisposeScope();
                var times = Step(model, optimizer, tokenizer, reward, options, rows, (ulong)(rep + 2));
                if (rep >= 0) foreach (var p in Phases) seconds[p].Add(times[p]);
            }
            var medians = Phases.ToDictionary(p => p, p => Median(seconds[p]));
            double total = medians.Values.Sum();
            yield return Measure.Single(Name, $"{label}: step (sum of phase medians)", total, "s", reps);
            foreach (var p in Phases)
                yield return new BenchCommand.Figure(Name, $"{label}: {p} share", 100 * medians[p] / total,
                    100 * seconds[p].Min() / total, 100 * seconds[p].Max() / total, "% of step", reps);
            yield return memory.Figure(Name, label);
        }
    }

    private static double Median(List<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }

    public static Dictionary<string, double> Step(Qwen3ForCausalLM model, AdamW optimizer, Qwen3Tokenizer tokenizer, IReward reward,
        GrpoOptions options, IReadOnlyList<long[]> rows, ulong seed)
    {
        var times = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        model.eval();
        var sampling = new SamplingOptions
        {
            DoSample = true, Temperature = options.Temperature, TopP = options.TopP, TopK = options.TopK,
            MaxNewTokens = options.MaxCompletionLength, Seed = seed, PadTokenId = 0, EosTokenIds = [],
        };
        var rollout = TokenGenerator.Generate(model, rows, sampling);
        times["rollout"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var scores = rollout.Tokens.Select(t => reward.Score(tokenizer.Decode(t.Select(x => (int)x), skipSpecialTokens: true), "acceptable")).ToArray();
        var device = model.Device;
        using var adv = GrpoAdvantages.Compute(torch.tensor(scores, ScalarType.Float32, device), options);
        var advantages = adv.Advantages.to(ScalarType.Float32);
        _ = advantages.sum().item<float>();
        times["scoring"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        model.train();
        long p = rows[0].Length, c = options.MaxCompletionLength;
        var ids = torch.cat([torch.tensor(rows.SelectMany(r => r).ToArray(), ScalarType.Int64, device).view(rows.Count, p),
                             torch.tensor(rollout.Tokens.SelectMany(r => r).ToArray(), ScalarType.Int64, device).view(rows.Count, c)], 1);
        var target = torch.zeros([rows.Count, p + c], ScalarType.Int64, device);
        target.narrow(1, p, c).fill_(1);
        var lp = TokenLogProbs.Compute(model, ids, targetMask: target, temperature: options.Temperature);
        var logps = lp.LogProbs.narrow(1, p - 1, c);
        var mask = torch.ones([rows.Count, c], ScalarType.Float32, device);
        using var loss = GrpoLoss.Compute(new GrpoLossInputs(logps, null, null, advantages, mask, NumItemsInBatch: rows.Count * c), options);
        _ = loss.Loss.item<float>();
        times["log-prob"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        loss.Loss.backward();
        times["backward"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        torch.nn.utils.clip_grad_norm_(optimizer.Parameters, options.MaxGradNorm);
        optimizer.StepWith(options.LearningRate);
        optimizer.ZeroGrad();
        times["optimizer"] = clock.Elapsed.TotalSeconds;
        return times;
    }
}
