using Reproduction.Evaluation;
using Reproduction.Qwen3;
using Reproduction.Rewards;
using Reproduction.Sampling;

namespace Reproduction.Experiments;

/// <summary>
/// A checkpoint's answers after another checkpoint's thinking. Each completion the other checkpoint wrote to an RL
/// prompt is cut where its answer starts (its last label word; the whole completion when it has none); the model ids
/// before the cut, exactly as they were sampled, are appended to the prompt, and the checkpoint samples the rest
/// (same sampling settings and cap on new tokens). Each completion is scored with the robust reward on the borrowed text
/// and the continuation together, so a label inside the borrowed thinking counts as it did for its writer.
/// <para>On the writer itself this is its own robust mean@1 again, up to sampling noise. Across RL-then-SFT's SFT stage it
/// splits the drop D: the SFT checkpoint answering after the thinking GRPO wrote keeps what SFT did to the answer and
/// drops what it did to the thinking before it.</para>
/// </summary>
public static class BorrowedThinking
{
    /// <summary>
    /// Robust mean@1 (mean over <paramref name="written"/>) of <paramref name="model"/> answering after each completion's
    /// thinking, sampled with <paramref name="sampling"/>. The borrowed ids count against the cap on new tokens, as they
    /// did for their writer: a continuation is cut to what the cap leaves.
    /// </summary>
    public static double RobustMean1(Qwen3ForCausalLM model, StudyContext ctx, IReadOnlyList<ScoredCompletion> written, SamplingOptions sampling)
    {
        if (written.Count == 0) throw new ReproException("borrowed thinking: no completions to borrow from");
        var enc = ctx.Encoder;
        var rlPrompts = ctx.EvalExamples.Select(enc.Rl).ToList();
        var cuts = written.Select(c => Cut(c, enc.Decode, enc.StopIds)).ToList();
        var prompts = written.Zip(cuts, (c, cut) => rlPrompts[c.PromptIndex] with { PromptIds = [.. rlPrompts[c.PromptIndex].PromptIds, .. cut.Ids] }).ToList();
        var robust = new RobustColaReward();
        var answered = RewardEvaluation.Evaluate(model, prompts, enc.Decode, [robust], sampling, 1, ctx.Preset.Eval.BatchSize);
        return answered.Completions.Average(c =>
        {
            var cut = cuts[c.PromptIndex];
            var left = c.Tokens!.Take(Math.Max(0, sampling.MaxNewTokens - cut.Ids.Length)).ToArray();
            return robust.Score(cut.Text + enc.Decode(left), c.Label);
        });
    }

    /// <summary>The longest prefix of the completion's sampled ids, its stop token left off, whose text ends at or before where its answer starts.</summary>
    public static (long[] Ids, string Text) Cut(ScoredCompletion completion, Func<long[], string> decode, IReadOnlyCollection<long> stopIds)
    {
        var tokens = completion.Tokens?.TakeWhile(t => !stopIds.Contains(t)).ToArray()
            ?? throw new ReproException("borrowed thinking: the completion carries no sampled ids (evaluate with RewardEvaluation)");
        int answer = RobustColaReward.AnswerStart(completion.Text);
        for (int k = tokens.Length; k >= 0; k--)
        {
            var text = decode(tokens[..k]);
            if (text.Length <= answer && completion.Text.StartsWith(text, StringComparison.Ordinal)) return (tokens[..k], text);
        }
        return ([], "");
    }
}
