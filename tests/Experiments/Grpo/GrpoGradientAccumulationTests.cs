using Reproduction.Grpo;
using static TorchSharp.torch;

namespace Repro.Tests.Grpo;

/// <summary>
/// gradient_accumulation_steps k runs a step's log-probs, loss and backward on k micro-batches of its completions. Each
/// micro-batch's loss is divided by the whole batch's token, sequence or row count, so for every loss type one
/// optimizer step over k micro-batches leaves the weights where one step over the batch taken at once does.
/// </summary>
public sealed class GrpoGradientAccumulationTests
{
    /// <summary>
    /// The model is float64: the k micro-batches add the same gradient terms in another order, so the weight changes
    /// agree to rounding, relative to the largest change. A micro-batch normalised by its own count instead of the
    /// batch's is off by tens of percent.
    /// </summary>
    private const double WeightTolerance = 1e-9;

    /// <summary>The logged loss, KL and ratios are float32 token sums (the trainer's log-probs), added in another order.</summary>
    private const double MetricTolerance = 1e-5;

    public static TheoryData<LossType, int> Cases() => new(Enum.GetValues<LossType>().SelectMany(t => new[] { (t, 3), (t, 16) }));

    /// <summary>
    /// One step of 4 prompts × 4 completions, β &gt; 0 and two iterations (so the stored old and reference log-probs are
    /// split too). Adam's ε = 1 makes the update lr·g/(|g| + 1) ≈ lr·g, proportional to the gradient: with the default
    /// ε the first Adam step is ≈ lr·sign(g), which would hide a gradient scaled by a wrong count.
    /// </summary>
    private static (double[] Before, double[] After, GrpoStepMetrics Step) OneStep(LossType lossType, int accumulation)
    {
        var model = ToyGrpo.Model(seed: 5, dtype: ScalarType.Float64);
        var before = ToyGrpo.Weights(model);
        var options = new GrpoOptions
        {
            NumGenerations = 4, PromptsPerStep = 4, MaxCompletionLength = 5, LossType = lossType, Beta = 0.04, NumIterations = 2,
            LearningRate = 1e-2, AdamEpsilon = 1.0, MaxGradNorm = 0, MaxSteps = 1, Seed = 3, SaveSteps = null,
            GradientAccumulationSteps = accumulation,
        };
        var history = new GrpoTrainer(model, Reproduction.Qwen3.ModelCopy.Frozen(model), options, ToyGrpo.Prompts, ToyGrpo.Reward(), ToyGrpo.Decode).Train();
        return (before, ToyGrpo.Weights(model), history.Single());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void K_micro_batches_leave_the_weights_where_one_batch_does(LossType lossType, int accumulation)
    {
        var (before, whole, wholeStep) = OneStep(lossType, 1);
        var (_, split, splitStep) = OneStep(lossType, accumulation);

        var largest = before.Zip(whole, (b, w) => Math.Abs(w - b)).Max();
        Assert.True(largest > 0, "the step moved no weight");
        var worst = Enumerable.Range(0, before.Length).Max(i => Math.Abs((split[i] - before[i]) - (whole[i] - before[i])));
        Assert.True(worst <= WeightTolerance * largest, $"{lossType}, {accumulation} micro-batches: weight changes differ by {worst:G3}, largest change {largest:G3}");

        Assert.Equal((1.0, (double)accumulation), (wholeStep["micro_batches"], splitStep["micro_batches"]));
        Assert.True(wholeStep["completions/max_length"] > wholeStep["completions/min_length"], "the completions should differ in length");
        foreach (var key in new[] { "loss", "grad_norm", "kl", "entropy", "ratio/mean", "clip_ratio/region_mean" })
            Assert.True(Math.Abs(splitStep[key] - wholeStep[key]) <= MetricTolerance * Math.Max(1e-3, Math.Abs(wholeStep[key])),
                $"{key}: {splitStep[key]:R} over {accumulation} micro-batches, {wholeStep[key]:R} at once");
    }

    [Fact]
    public void A_step_is_not_split_into_more_micro_batches_than_it_has_completions()
    {
        var options = new GrpoOptions { NumGenerations = 2, PromptsPerStep = 2, GradientAccumulationSteps = 5, MaxSteps = 1 };
        var e = Assert.Throws<Reproduction.ReproException>(() =>
            new GrpoTrainer(ToyGrpo.Model(), null, options, ToyGrpo.Prompts, ToyGrpo.Reward(), ToyGrpo.Decode).Train());
        Assert.Contains("gradient_accumulation_steps (5) exceeds the completions of a step (prompts_per_step × num_generations = 4)", e.Message);
    }
}
