using Reproduction;
using Reproduction.Grpo;

namespace Repro.Tests.Grpo;

/// <summary>
/// Prompts over max_prompt_length, as verl's RLHFDataset treats them: filter_overlong_prompts drops them from the set;
/// otherwise data.truncation keeps the last (left), first (right) or first-half-and-last-half (middle) tokens, or refuses.
/// </summary>
public sealed class GrpoPromptSetTests
{
    private static readonly GrpoPrompt Short = new([1, 2, 3], "a");
    private static readonly GrpoPrompt Long = new([1, 2, 3, 4, 5, 6, 7], "b");

    private static GrpoOptions Limit(int max, PromptTruncation truncation = PromptTruncation.Error, bool filter = false) =>
        new() { MaxPromptLength = max, Truncation = truncation, FilterOverlongPrompts = filter };

    [Theory]
    [InlineData(PromptTruncation.Left, new long[] { 4, 5, 6, 7 })]
    [InlineData(PromptTruncation.Right, new long[] { 1, 2, 3, 4 })]
    [InlineData(PromptTruncation.Middle, new long[] { 1, 2, 6, 7 })]
    public void An_overlong_prompt_is_cut_as_verl_cuts_it_and_marked_truncated(PromptTruncation truncation, long[] kept)
    {
        var set = GrpoPromptSet.Fit([Short, Long], Limit(4, truncation));
        Assert.Equal([Short.PromptIds, kept], set.Prompts.Select(p => p.PromptIds));
        Assert.Equal(["a", "b"], set.Prompts.Select(p => p.Label));
        Assert.Equal([false, true], set.Truncated);
        Assert.Equal(0, set.Filtered);
    }

    [Fact]
    public void Middle_keeps_the_smaller_half_at_the_start_of_an_odd_limit()
    {
        Assert.Equal([1, 6, 7], GrpoPromptSet.Truncate(Long.PromptIds, 3, PromptTruncation.Middle));    // verl: ids[:1] + ids[-2:]
    }

    [Fact]
    public void With_truncation_error_an_overlong_prompt_is_refused_before_training_naming_the_ways_out()
    {
        var e = Assert.Throws<ReproException>(() => GrpoPromptSet.Fit([Short, Long, Long], Limit(4)));
        Assert.Contains("2 of 3 prompts are longer than max_prompt_length 4 (prompt 1 has 7 tokens)", e.Message);
        Assert.Contains("set truncation to left, right or middle, filter_overlong_prompts to true, or a larger max_prompt_length", e.Message);
    }

    [Fact]
    public void Filtering_drops_overlong_prompts_and_counts_them_whatever_the_truncation()
    {
        var set = GrpoPromptSet.Fit([Long, Short, Long], Limit(4, PromptTruncation.Error, filter: true));
        Assert.Equal([Short], set.Prompts);
        Assert.Equal([false], set.Truncated);
        Assert.Equal(2, set.Filtered);
        var e = Assert.Throws<ReproException>(() => GrpoPromptSet.Fit([Long], Limit(4, filter: true)));
        Assert.Contains("all 1 prompts are longer than max_prompt_length 4", e.Message);
    }

    [Fact]
    public void Prompts_within_the_limit_are_kept_as_they_are()
    {
        var set = GrpoPromptSet.Fit([Short, Long], Limit(7));
        Assert.Same(Long, set.Prompts[1]);
        Assert.Equal([false, false], set.Truncated);
    }
}
