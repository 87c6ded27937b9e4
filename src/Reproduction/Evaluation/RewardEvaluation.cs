using System.Text.Json.Nodes;
using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Rewards;
using Reproduction.Sampling;
using TorchSharp;

namespace Reproduction.Evaluation;

/// <summary>One scored completion (a line of the completions JSONL a user inspects) and the model ids it was sampled as.</summary>
public sealed record ScoredCompletion(int PromptIndex, int Sample, string Text, string Label, IReadOnlyDictionary<string, double> Rewards, bool Truncated,
    IReadOnlyList<long>? Tokens = null);

/// <summary>mean@n of one reward definition, with accuracy = (mean + 1)/2 for ±1 rewards and a bootstrap 95% CI.</summary>
public sealed record RewardSummary(string Reward, double Mean, double CiLow, double CiHigh, double Accuracy);

public sealed record RewardEvaluationResult(IReadOnlyList<RewardSummary> Summaries, double FormatErrorRate, IReadOnlyList<ScoredCompletion> Completions)
{
    public RewardSummary this[string reward] => Summaries.Single(s => s.Reward == reward);

    public JsonObject ToJson() => new()
    {
        ["format_error_rate"] = FormatErrorRate,
        ["rewards"] = new JsonArray(Summaries.Select(s => (JsonNode)new JsonObject
        {
            ["reward"] = s.Reward, ["mean"] = s.Mean, ["ci95_low"] = s.CiLow, ["ci95_high"] = s.CiHigh, ["accuracy"] = s.Accuracy,
        }).ToArray()),
    };
}

/// <summary>
/// The paper's RL metric: sample n completions per test prompt (mean@1: n = 1, temperature 0.6, top-p 0.95 as
/// the validation rollout), score each under every reward definition, average. Accuracy is (mean + 1)/2, which
/// holds for ±1 rewards. The 95% CI is a percentile bootstrap over prompts (1,000 resamples, seeded).
/// The format-error rate is the fraction of completions with no `(un)acceptable` word at all (robust −1 by format).
/// Generation is batched and runs without gradients.
/// </summary>
public static class RewardEvaluation
{
    public const int BootstrapResamples = 1000;

    public static RewardEvaluationResult Evaluate(Qwen3ForCausalLM model, IReadOnlyList<GrpoPrompt> prompts, Func<long[], string> decode,
        IReadOnlyList<IReward> rewards, SamplingOptions sampling, int samplesPerPrompt = 1, int batchSize = 64)
    {
        if (prompts.Count == 0) throw new ReproException("eval: no prompts");
        model.eval();
        var completions = new List<ScoredCompletion>();
        var jobs = prompts.SelectMany((p, i) => Enumerable.Range(0, samplesPerPrompt).Select(s => (Index: i, Sample: s, Prompt: p))).ToList();
        int batchNo = 0;
        foreach (var chunk in jobs.Chunk(batchSize))
        {
            var options = sampling with { Seed = sampling.DoSample ? Seeds.SamplingBatch(sampling.Seed ?? 0, batchNo++) : sampling.Seed };
            var result = TokenGenerator.Generate(model, chunk.Select(j => j.Prompt.PromptIds).ToList(), options);
            for (int k = 0; k < chunk.Length; k++)
            {
                var text = decode(result.Tokens[k]);
                var label = chunk[k].Prompt.Label;
                completions.Add(new ScoredCompletion(chunk[k].Index, chunk[k].Sample, text, label,
                    rewards.ToDictionary(r => r.Name, r => r.Score(text, label)), result.StopReasons[k] == StopReason.MaxNewTokens, result.Tokens[k]));
            }
        }

        var summaries = rewards.Select(r =>
        {
            var perPrompt = completions.GroupBy(c => c.PromptIndex).OrderBy(g => g.Key).Select(g => g.Average(c => c.Rewards[r.Name])).ToArray();
            double mean = perPrompt.Average();
            var (lo, hi) = Bootstrap(perPrompt, seed: 20260125);
            return new RewardSummary(r.Name, mean, lo, hi, (mean + 1) / 2);
        }).ToList();
        double formatErrors = completions.Count(c => RobustColaReward.LastLabel(c.Text) is null) / (double)completions.Count;
        return new RewardEvaluationResult(summaries, formatErrors, completions);
    }

    /// <summary>Percentile bootstrap 95% interval of the mean (2.5th and 97.5th percentiles of resampled means).</summary>
    public static (double Low, double High) Bootstrap(IReadOnlyList<double> values, int seed, int resamples = BootstrapResamples)
    {
        var rng = new Random(seed);
        var means = new double[resamples];
        for (int b = 0; b < resamples; b++)
        {
            double sum = 0;
            for (int i = 0; i < values.Count; i++) sum += values[rng.Next(values.Count)];
            means[b] = sum / values.Count;
        }
        Array.Sort(means);
        return (means[(int)(0.025 * (resamples - 1))], means[(int)Math.Ceiling(0.975 * (resamples - 1))]);
    }
}
