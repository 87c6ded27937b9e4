using Reproduction;
using Reproduction.Grpo;

namespace Repro.Tests.Grpo;

/// <summary>The trainer applies max_prompt_length to the prompts it samples from and says in every step's metrics what it did.</summary>
public sealed class GrpoPromptLengthTests
{
    /// <summary>One epoch over the eight toy prompts (four of 2 tokens, four of 3), two prompts per step.</summary>
    private static IReadOnlyList<GrpoStepMetrics> Epoch(GrpoOptions limit) =>
        new GrpoTrainer(ToyGrpo.Model(), null, limit with { NumGenerations = 2, PromptsPerStep = 2, MaxCompletionLength = 2, MaxSteps = -1, NumTrainEpochs = 1, SaveSteps = null },
            ToyGrpo.Prompts, ToyGrpo.Reward(), ToyGrpo.Decode).Train();

    [Fact]
    public void Cut_prompts_are_counted_per_step_and_end_at_the_limit()
    {
        var steps = Epoch(new GrpoOptions { MaxPromptLength = 2, Truncation = PromptTruncation.Left });
        Assert.Equal(4, steps.Count);
        Assert.Equal(4, steps.Sum(m => m["prompt_length/truncated"]));                  // every 3-token prompt, once
        Assert.All(steps, m => Assert.Equal((2.0, 1.0, 0.0), (m["prompt_length/max"], m["prompt_length/clip_ratio"], m["prompt_length/filtered"])));
    }

    [Fact]
    public void Filtered_prompts_are_counted_in_every_step_and_never_sampled()
    {
        var steps = Epoch(new GrpoOptions { MaxPromptLength = 2, FilterOverlongPrompts = true });
        Assert.Equal(2, steps.Count);                                                      // four prompts left, two per step
        Assert.All(steps, m => Assert.Equal((4.0, 0.0, 2.0), (m["prompt_length/filtered"], m["prompt_length/truncated"], m["prompt_length/max"])));
    }

    [Fact]
    public void Under_the_limit_nothing_is_cut_or_dropped_and_verls_length_metrics_are_logged()
    {
        var steps = Epoch(new GrpoOptions { MaxPromptLength = 3 });
        Assert.Equal(0, steps.Sum(m => m["prompt_length/truncated"] + m["prompt_length/filtered"]));
        Assert.Equal(2.5, steps.Average(m => m["prompt_length/mean"]));
        Assert.Equal(0.5, steps.Average(m => m["prompt_length/clip_ratio"]));               // the 3-token half sit at the limit
    }

    [Fact]
    public void An_overlong_prompt_under_truncation_error_stops_the_run_before_its_first_step()
    {
        var e = Assert.Throws<ReproException>(() => Epoch(new GrpoOptions { MaxPromptLength = 2 }));
        Assert.Contains("4 of 8 prompts are longer than max_prompt_length 2", e.Message);
    }
}
