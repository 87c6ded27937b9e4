using Reproduction.Data;
using Reproduction.Experiments;
using Reproduction.Text;

namespace Repro.Tests.Study;

/// <summary>How every stage sees a CoLA example: chat template, tokenizer, and the tiny model's vocabulary subset.</summary>
public sealed class ColaTaskEncoderTests
{
    private static readonly Qwen3Tokenizer Tokenizer = Qwen3Tokenizer.LoadDefault();
    private static readonly ColaExample Example = new("syn", 0, "*", "The dogs sleeps.", 1);

    [Fact]
    public void SFT_prompts_end_at_the_assistant_turn_and_completions_are_the_empty_think_target_then_im_end()
    {
        var enc = new ColaTaskEncoder(Tokenizer, ColaTaskFormatter.ColaRl);
        Assert.StartsWith("<|im_start|>user\nDecide whether the following sentence", enc.SftPromptText(Example));
        Assert.EndsWith("Sentence: The dogs sleeps.\n\nYour answer:/no_think<|im_end|>\n<|im_start|>assistant\n", enc.SftPromptText(Example));
        Assert.Equal("<think>\n\n</think>\n\nunacceptable<|im_end|>", enc.SftCompletionText(Example));
        Assert.EndsWith("Your answer:<|im_end|>\n<|im_start|>assistant\n", enc.RlPromptText(Example));
        var sft = enc.Sft(Example);
        Assert.Equal(Tokenizer.SpecialTokens.ImEnd, sft.CompletionIds[^1]);
        Assert.Equal(Tokenizer.SpecialTokens.Think, sft.CompletionIds[0]);
    }

    [Fact]
    public void Rendered_strings_and_token_ids_of_SFT_and_RL_examples_match_the_snapshot()
    {
        var enc = new ColaTaskEncoder(Tokenizer, ColaTaskFormatter.ColaRl);
        var examples = new[] { Example, new ColaExample("gj04", 1, "", "Our friends won't buy this analysis, let alone the next one we propose.", 1) };
        var rendered = examples.Select(e => new
        {
            sft_prompt = enc.SftPromptText(e), sft_completion = enc.SftCompletionText(e), rl_prompt = enc.RlPromptText(e),
            sft_prompt_ids = enc.Sft(e).PromptIds, sft_completion_ids = enc.Sft(e).CompletionIds, rl_prompt_ids = enc.Rl(e).PromptIds, ground_truth = enc.Rl(e).Label,
        });
        Snapshooter.Xunit3.Snapshot.Match(rendered);
    }

    [Fact]
    public void With_a_vocabulary_subset_ids_are_dense_and_decode_back_to_the_same_text()
    {
        var data = SyntheticColaGenerator.Generate(new SyntheticColaOptions(seed: 1, trainSize: 50, testSize: 10));
        var full = new ColaTaskEncoder(Tokenizer, ColaTaskFormatter.ColaRl);
        var ids = data.TrainExamples.SelectMany(e => full.Sft(e).PromptIds.Concat(full.Sft(e).CompletionIds).Concat(full.Rl(e).PromptIds)).Select(i => (int)i);
        var subset = VocabularySubset.Build(ids, [.. Tokenizer.SpecialTokens.StopIds, Tokenizer.SpecialTokens.Think, Tokenizer.SpecialTokens.EndThink]);
        var enc = new ColaTaskEncoder(Tokenizer, ColaTaskFormatter.ColaRl, subset);

        var sft = enc.Sft(data.TrainExamples[0]);
        Assert.All(sft.PromptIds.Concat(sft.CompletionIds), i => Assert.InRange(i, 0, subset.Count - 1));
        Assert.Equal("<think>\n\n</think>\n\n" + full.Formatter.LabelText(data.TrainExamples[0].Label), enc.Decode(sft.CompletionIds));
        Assert.Equal([0L, 1L], enc.StopIds);                                // im_end, endoftext first in the subset
        Assert.InRange(subset.Count, 20, 400);

        var e = Assert.Throws<Reproduction.ReproException>(() => enc.Ids("Zygomorphic xylophones"));
        Assert.Contains("not in this model's vocabulary", e.Message);
    }
}
