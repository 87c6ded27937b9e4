using Reproduction.Evaluation;
using Reproduction.Experiments;
using Reproduction.Rewards;
using Reproduction.Sampling;

namespace Repro.Tests.Study;

/// <summary>
/// Answers after another checkpoint's thinking: a completion is cut, on its sampled ids, where its answer starts, and
/// a checkpoint that answers after its own thinking answers as it did.
/// </summary>
public sealed class BorrowedThinkingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-borrowed-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private const long Stop = 99;
    private static readonly string[] Pieces = ["<think>", "\n", "I read it", "</think>", "\n\n", "\n\nun", "acceptable", "un", "?", " "];
    private static string Decode(long[] ids) => string.Concat(ids.Where(i => i != Stop).Select(i => Pieces[i]));

    private static ScoredCompletion Written(params long[] ids) =>
        new(0, 0, Decode(ids), "acceptable", new Dictionary<string, double>(), false, ids);

    [Fact]
    public void The_cut_keeps_the_ids_before_the_last_label_word_and_leaves_the_answer_to_the_new_checkpoint()
    {
        var (ids, text) = BorrowedThinking.Cut(Written(0, 1, 2, 1, 3, 4, 7, 6, Stop), Decode, [Stop]);
        Assert.Equal([0, 1, 2, 1, 3, 4], ids);
        Assert.Equal("<think>\nI read it\n</think>\n\n", text);
    }

    [Fact]
    public void A_label_word_inside_the_thinking_stays_with_the_thinking()
    {
        var (ids, text) = BorrowedThinking.Cut(Written(0, 6, 8, 3, 9, 7, 6, Stop), Decode, [Stop]);
        Assert.Equal([0, 6, 8, 3, 9], ids);
        Assert.Equal("<think>acceptable?</think> ", text);
    }

    [Fact]
    public void A_token_that_runs_into_the_answer_is_left_to_the_new_checkpoint()
    {
        var (ids, text) = BorrowedThinking.Cut(Written(0, 2, 3, 5, 6, Stop), Decode, [Stop]);
        Assert.Equal([0, 2, 3], ids);
        Assert.Equal("<think>I read it</think>", text);
    }

    [Fact]
    public void A_completion_without_a_label_is_borrowed_whole_without_its_stop_token()
    {
        var (ids, text) = BorrowedThinking.Cut(Written(0, 2, 3, Stop), Decode, [Stop]);
        Assert.Equal([0, 2, 3], ids);
        Assert.Equal("<think>I read it</think>", text);
    }

    [Fact]
    public void A_checkpoint_answering_greedily_after_its_own_greedy_thinking_scores_what_it_scored()
    {
        var ctx = new StudyContext(StudyPreset.Load("tiny-smoke"), _dir, null, _ => { });
        var model = TaskSetup.BaseModel(ctx.Preset, ctx.Encoder, ctx.Train, 1, null, _ => { });
        var greedy = SamplingOptions.Greedy(ctx.Sampling.MaxNewTokens) with { EosTokenIds = ctx.Sampling.EosTokenIds, PadTokenId = ctx.Sampling.PadTokenId };
        var prompts = ctx.EvalExamples.Select(ctx.Encoder.Rl).ToList();
        var written = RewardEvaluation.Evaluate(model, prompts, ctx.Encoder.Decode, [new RobustColaReward()], greedy, 1, ctx.Preset.Eval.BatchSize);
        Assert.Contains(written.Completions, c => BorrowedThinking.Cut(c, ctx.Encoder.Decode, ctx.Encoder.StopIds).Ids.Length > 0);
        Assert.Equal(written["robust_cola"].Mean, BorrowedThinking.RobustMean1(model, ctx, written.Completions, greedy), 12);
    }
}
