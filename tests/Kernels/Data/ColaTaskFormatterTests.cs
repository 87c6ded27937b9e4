using Reproduction.Text;
using Reproduction;
using Reproduction.Data;
using Snapshooter.Xunit3;

namespace Repro.Tests.Data;

/// <summary>Prompt text, label words, SFT target and /no_think exactly as the public CoLA-RL setup builds them.</summary>
public sealed class ColaTaskFormatterTests
{
    private static readonly ColaTaskFormatter Formatter = ColaTaskFormatter.ColaRl;

    private const string ExpectedPrompt =
        "Decide whether the following sentence is grammatically acceptable or not. If it is grammatically correct, answer \"acceptable\". If not, answer \"unacceptable\". Only output \"acceptable\" or \"unacceptable\", and do not output any other information.\n" +
        "\n" +
        "Sentence: The sailors rode the breeze clear of the rocks.\n" +
        "\n" +
        "Your answer:";

    [Fact]
    public void The_prompt_is_the_CoLA_RL_text_with_the_sentence_filled_in()
    {
        Assert.Equal(ExpectedPrompt, Formatter.Prompt("The sailors rode the breeze clear of the rocks."));
    }

    [Fact]
    public void SFT_prompts_end_with_no_think_directly_after_Your_answer_and_RL_prompts_do_not()
    {
        var example = new ColaExample("gj04", 1, "", "The sailors rode the breeze clear of the rocks.", 1);
        Assert.Equal([new ChatMessage("user", ExpectedPrompt + "/no_think"), new ChatMessage("assistant", "<think>\n\n</think>\n\nacceptable")],
            Formatter.SftMessages(example));
        Assert.Equal([new ChatMessage("user", ExpectedPrompt)], Formatter.RlMessages(example));
        Assert.EndsWith("Your answer:/no_think", Formatter.SftPrompt("x"));
    }

    [Fact]
    public void Label_one_is_acceptable_and_zero_is_unacceptable_and_unlabeled_rows_have_no_target()
    {
        Assert.Equal("acceptable", Formatter.LabelText(1));
        Assert.Equal("unacceptable", Formatter.LabelText(0));
        Assert.Equal("<think>\n\n</think>\n\nunacceptable", Formatter.SftTarget(0));
        var unlabeled = new ColaExample("", -1, "", "Bill whistled past the house.", 2);
        Assert.Throws<ReproException>(() => Formatter.SftMessages(unlabeled));
        Assert.Single(Formatter.RlMessages(unlabeled));
    }

    [Fact]
    public void No_think_placement_is_configurable()
    {
        var both = new ColaTaskFormatter(new TaskFormat(noThinkOnSftPrompts: true, noThinkOnRlPrompts: true));
        var none = new ColaTaskFormatter(new TaskFormat(noThinkOnSftPrompts: false));
        Assert.EndsWith("Your answer:/no_think", both.RlPrompt("A."));
        Assert.EndsWith("Your answer:", none.SftPrompt("A."));
    }

    [Theory]
    [InlineData("no placeholder", "<think>\n\n</think>\n\n{label}", "promptTemplate")]
    [InlineData("{sentence} {sentence}", "<think>\n\n</think>\n\n{label}", "promptTemplate")]
    [InlineData("Sentence: {sentence}", "no label here", "sftTargetTemplate")]
    public void A_bad_format_is_refused_at_construction(string prompt, string target, string field)
    {
        var e = Assert.Throws<ReproException>(() => new TaskFormat(promptTemplate: prompt, sftTargetTemplate: target));
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Messages_for_real_rows_match_the_snapshot()
    {
        var train = ColaDataset.PaperTrain();
        var picked = new[]
        {
            train[0],                                                     // first row
            train.First(e => e.Label == 0 && e.OriginalMark == "*"),     // unacceptable
            train.Single(e => e.Label == 0 && e.OriginalMark == ""),     // label 0 with an empty mark (r-67)
            train.First(e => e.Sentence.Any(c => c > 127)),              // non-ASCII
            train.First(e => e.Sentence.Contains('"')),                  // quotes
        };
        Snapshot.Match(picked.Select(e => new { Example = e, Sft = Formatter.SftMessages(e), Rl = Formatter.RlMessages(e), GroundTruth = Formatter.GroundTruth(e) }));
    }
}
