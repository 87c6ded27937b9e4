using System.Text.Json.Nodes;
using Reproduction.Data;
using Reproduction.Evaluation;
using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Rewards;
using Reproduction.Sampling;

namespace Reproduction.Experiments;

/// <summary>
/// What a checkpoint does on the task, measured from every side the mechanism table needs: mean@1 under the strict,
/// robust and label-only rewards with the RL prompt; robust mean@1 with the SFT prompt (/no_think); greedy beside
/// sampled accuracy; the rate of completions that never reach a label; sampled accuracy per grammar rule on held-out
/// and on training sentences; and the SFT-test cross-entropy (the study's own split and labels) split by token role.
/// Given the diagnosis of the checkpoint a stage started from, also robust mean@1 answering after the thinking that
/// checkpoint wrote (<see cref="BorrowedThinking"/>).
/// </summary>
/// <param name="GreedyRightSftPrompt">Per test prompt, in prompt order: 1 when the greedy answer in the SFT prompt is right (their mean is <see cref="GreedyAccuracySftPrompt"/>).</param>
public sealed record Diagnosis(
    double RobustRl, double StrictRl, double LabelOnlyRl, double RobustSftPrompt,
    double GreedyAccuracy, double GreedyAccuracySftPrompt, double SampledAccuracy, double NoLabelRate, double LabelledAccuracy,
    IReadOnlyDictionary<string, double> TestAccuracyByRule, IReadOnlyDictionary<string, double> TrainAccuracyByRule,
    IReadOnlyDictionary<string, double> RuleShare, CeByRole Ce,
    IReadOnlyList<ScoredCompletion> RlCompletions, IReadOnlyList<double> GreedyRightSftPrompt, double? RobustRlAfterStartThinking)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["mean1_robust_rl_prompt"] = RobustRl, ["mean1_strict_rl_prompt"] = StrictRl, ["mean1_label_only_rl_prompt"] = LabelOnlyRl,
            ["mean1_robust_sft_prompt"] = RobustSftPrompt, ["greedy_accuracy"] = GreedyAccuracy, ["greedy_accuracy_sft_prompt"] = GreedyAccuracySftPrompt,
            ["sampled_accuracy"] = SampledAccuracy,
            ["no_label_rate"] = NoLabelRate, ["labelled_accuracy"] = LabelledAccuracy,
            ["test_accuracy_by_rule"] = Object(TestAccuracyByRule), ["train_accuracy_by_rule"] = Object(TrainAccuracyByRule),
            ["sft_ce_by_role"] = new JsonObject { ["template"] = Ce.Template, ["label"] = Ce.Label, ["end"] = Ce.End, ["total"] = Ce.Total },
        };
        if (RobustRlAfterStartThinking is { } borrowed) json["mean1_robust_rl_prompt_after_start_thinking"] = borrowed;
        return json;
    }

    /// <summary>Each test prompt's robust reward in the RL prompt, averaged over its samples, in prompt order (their mean is <see cref="RobustRl"/>).</summary>
    public IReadOnlyList<double> RobustRlPerPrompt =>
        RlCompletions.GroupBy(c => c.PromptIndex).OrderBy(g => g.Key).Select(g => g.Average(c => c.Rewards["robust_cola"])).ToList();

    private static JsonObject Object(IReadOnlyDictionary<string, double> d) => new(d.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));

    /// <summary>
    /// Diagnoses <paramref name="model"/> on the study's held-out sentences and on as many training sentences; with
    /// <paramref name="start"/>, the diagnosis of the checkpoint its stage started from, also after that checkpoint's thinking.
    /// </summary>
    public static Diagnosis Of(Qwen3ForCausalLM model, StudyContext ctx, ulong seed, Diagnosis? start = null)
    {
        var enc = ctx.Encoder;
        var test = ctx.EvalExamples;
        var train = ctx.Train.Take(test.Count).ToList();
        int n = ctx.Preset.Eval.SamplesPerPrompt;
        IReward robust = new RobustColaReward(), strict = new StrictColaReward(), labelOnly = new LabelOnlyReward();
        RewardEvaluationResult Run(IReadOnlyList<GrpoPrompt> prompts, IReward[] rewards, SamplingOptions sampling, int samples) =>
            RewardEvaluation.Evaluate(model, prompts, enc.Decode, rewards, sampling, samples, ctx.Preset.Eval.BatchSize);

        var rlPrompts = test.Select(enc.Rl).ToList();
        var rl = Run(rlPrompts, [robust, strict, labelOnly], ctx.Sampling with { Seed = seed }, n);
        // The side views take half the samples of the headline metric: they are read as differences of a few points.
        int side = Math.Max(1, n / 2);
        var sftPrompts = test.Select(ctx.SftDataPrompt).ToList();
        // SFT data in the RL format asks the same prompts: the format view is the headline metric itself.
        bool samePrompts = sftPrompts.Zip(rlPrompts, (a, r) => a.PromptIds.SequenceEqual(r.PromptIds)).All(x => x);
        var sftPrompt = samePrompts ? rl : Run(sftPrompts, [robust], ctx.Sampling with { Seed = Seeds.DiagnosisView(seed, 1) }, side);
        var greedyOptions = SamplingOptions.Greedy(ctx.Sampling.MaxNewTokens) with { EosTokenIds = ctx.Sampling.EosTokenIds, PadTokenId = ctx.Sampling.PadTokenId };
        var greedy = Run(rlPrompts, [robust], greedyOptions, 1);
        var greedySft = Run(sftPrompts, [robust], greedyOptions, 1);
        var trainRl = Run(train.Select(enc.Rl).ToList(), [robust], ctx.Sampling with { Seed = Seeds.DiagnosisView(seed, 2) }, side);

        static double Acc(IEnumerable<ScoredCompletion> cs) => cs.Average(c => c.Rewards["robust_cola"] > 0 ? 1.0 : 0.0);
        static Dictionary<string, double> ByRule(RewardEvaluationResult r, IReadOnlyList<ColaExample> examples) =>
            r.Completions.GroupBy(c => examples[c.PromptIndex].Source).ToDictionary(g => g.Key, g => Acc(g));
        var labelled = rl.Completions.Where(c => RobustColaReward.LastLabel(c.Text) is not null).ToList();
        return new Diagnosis(
            rl["robust_cola"].Mean, rl["strict_cola"].Mean, rl["label_only"].Mean, sftPrompt["robust_cola"].Mean,
            Acc(greedy.Completions), Acc(greedySft.Completions), Acc(rl.Completions), rl.FormatErrorRate, labelled.Count == 0 ? 0 : Acc(labelled),
            ByRule(rl, test), ByRule(trainRl, train),
            test.GroupBy(e => e.Source).ToDictionary(g => g.Key, g => g.Count() / (double)test.Count),
            LabelProbe.CeByRoleOf(model, enc, ctx.SftTest, ctx.Preset.Sft.MaxLength),
            rl.Completions, greedySft.Completions.OrderBy(c => c.PromptIndex).Select(c => c.Rewards["robust_cola"] > 0 ? 1.0 : 0.0).ToList(),
            start is null ? null
                : BorrowedThinking.RobustMean1(model, ctx, start.RlCompletions.Where(c => c.Sample < side).ToList(), ctx.Sampling with { Seed = Seeds.DiagnosisView(seed, 3) }));
    }
}
