using Reproduction.Evaluation;
using Reproduction.Experiments;
using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Rewards;
using Reproduction.Sft;
using Repro.Tests.Sft;

namespace Repro.Tests.Beyond;

/// <summary>
/// The theory bridge (Theorem 3.1, Proposition 1 on torch models): what it measures on known cases, and its relations as
/// arithmetic on constructed numbers.
/// </summary>
public sealed class TheoryBridgeTests
{
    /// <summary>+1 when the first completion token's parity matches the label, else −1 (a ±1 reward, R_max = 1).</summary>
    private sealed class ParityReward : IReward
    {
        public string Name => "parity";
        public double Score(string completion, string label) =>
            long.TryParse(completion.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(), out var t) && (t % 2 == 0 ? "even" : "odd") == label ? 1 : -1;
    }

    private static string Decode(long[] ids) => string.Join(' ', ids);

    private static TheoryBridge.PromptSet Set()
    {
        var data = ToyTask.Examples().Take(12).ToList();
        return new("toy", data.Select(d => new GrpoPrompt(d.PromptIds.ToArray(), d.CompletionIds[0] % 2 == 0 ? "even" : "odd")).ToList(), data);
    }

    private static TheoryBridge Bridge() => new(new BridgeOptions { Prompts = 12, Samples = 8, MaxNewTokens = 4 }, ToyTask.Pad, [ToyTask.Eos], Decode);

    [Fact]
    public void A_checkpoint_equal_to_the_reference_measures_no_change_and_satisfies_every_relation()
    {
        var bridge = Bridge();
        var model = ToyTask.Model(seed: 3);
        var reference = bridge.Start(model, "toy", seed: 1, beta: 0.1, new ParityReward(), [Set()]);
        var row = Assert.Single(bridge.Measure(reference, model, step: 0));       // step 0: the reference's own samples
        Assert.Equal(0.0, row.C1.Mean);
        Assert.Equal(0.0, row.KlP1P2.Mean);
        Assert.Equal(0.0, row.KlP2P1.Mean);
        Assert.Equal(0.0, row.DeltaJ.Mean);
        Assert.True(row.Eq10.Holds && row.Theorem31d!.Holds && row.Prop1.Holds);
        // The Gibbs identity's J_D term: every target's first token has its label's parity, so J_D = +1, which the untrained
        // model does not reach; C1 = 0 = (J − J_D)/β then fails.
        Assert.Equal(1.0, row.JData);
        Assert.True(row.J1.Mean < 1, $"J1 {row.J1}");
        Assert.False(row.Gibbs!.Holds, $"Gibbs: measured {row.Gibbs.Measured}, predicted {row.Gibbs.Predicted}");
    }

    [Fact]
    public void After_SFT_steps_C1_is_the_change_of_the_per_sequence_cross_entropy_and_both_KL_estimates_are_positive()
    {
        var bridge = Bridge();
        var set = Set();
        var p1 = ToyTask.Model(seed: 3);
        var reference = bridge.Start(p1, "toy", seed: 1, beta: null, new ParityReward(), [set]);
        var p2 = ModelCopy.Trainable(p1);
        new SftTrainer(p2, new SftOptions { PerDeviceTrainBatchSize = 12, GradientAccumulationSteps = 1, MaxSteps = 10, LearningRate = 2e-2, WarmupRatio = 0, EvalSteps = 0 },
            set.Data, null, ToyTask.Pad).Train();
        var row = Assert.Single(bridge.Measure(reference, p2, step: 10));
        double before = CrossEntropy.Evaluate(p1, set.Data, ToyTask.Pad, 512, 12).MeanSequenceNll;
        double after = CrossEntropy.Evaluate(p2, set.Data, ToyTask.Pad, 512, 12).MeanSequenceNll;
        const double Float32SumTolerance = 1e-4;   // per-row sums vs one batch sum, float32
        Assert.Equal(after - before, row.C1.Mean, Float32SumTolerance);
        Assert.Equal(before, row.CeP1, Float32SumTolerance);
        Assert.True(row.C1.High < 0, $"SFT lowers the data's CE: C1 {row.C1}");
        Assert.True(row.KlP1P2.Low > 0 && row.KlP2P1.Low > 0, $"KL(p1‖p2) {row.KlP1P2}, KL(p2‖p1) {row.KlP2P1}");
        Assert.Null(row.Theorem31d);                                               // no β: an SFT stage
        Assert.True(row.Prop1.Holds, $"|ΔJ| {row.Prop1.Measured:F3} vs bound {row.Prop1.Predicted:F3}");
    }

    // Two prompts, two samples each; numbers chosen exactly representable so the paired differences are exactly 0.
    private static BridgeRow Constructed(double beta, double c1Shift = 0, double[]? r2 = null) => TheoryBridge.Row("p", 1, 10, "q", beta, m: 2,
        nll1Data: [1.0, 2.0], nll2Data: [1.0 + 3.5 + c1Shift, 2.0 + 3.5 + c1Shift],
        r1: [-1, -1, -1, -1], nll1On1: [1, 1, 1, 1], nll2On1: [4.5, 4.5, 4.5, 4.5],        // KL(p1‖p2) = 3.5 per prompt
        r2: r2 ?? [1, 1, 1, 1], nll2On2: [1, 1, 1, 1], nll1On2: [1.5, 1.5, 1.5, 1.5],      // KL(p2‖p1) = 0.5 per prompt
        jData: [-1, -1]);

    [Fact]
    public void The_relations_hold_exactly_on_numbers_built_to_satisfy_them_and_fail_when_C1_is_moved()
    {
        // ΔJ = 2, KL(p2‖p1) = 0.5, β = 0.5: Theorem 3.1 (d) predicts C1 = 2/0.5 − 0.5 = 3.5; J_D = J1 = −1, so the Gibbs form agrees.
        var row = Constructed(beta: 0.5);
        Assert.Equal((3.5, 3.5, 3.5), (row.Theorem31d!.Predicted, row.Gibbs!.Predicted, row.Eq10.Predicted));
        Assert.True(row.Theorem31d.Holds && row.Gibbs.Holds && row.Eq10.Holds);
        var moved = Constructed(beta: 0.5, c1Shift: 0.25);
        Assert.False(moved.Theorem31d!.Holds || moved.Gibbs!.Holds || moved.Eq10.Holds);
        Assert.Null(Constructed(beta: 0).Theorem31d);                               // β = 0: not applicable
    }

    [Fact]
    public void Proposition_1_fails_when_the_reward_moves_more_than_the_KL_allows()
    {
        // |ΔJ| = 2 against R_max·√(2·0.5) = 1: impossible for real distributions, so a bridge that reported it would be broken.
        var row = Constructed(beta: 0.5);
        Assert.Equal((2.0, 1.0), (row.Prop1.Measured, row.Prop1.Predicted));
        Assert.False(row.Prop1.Holds);
        var within = Constructed(beta: 0.5, r2: [1, -1, -1, -1]);                    // ΔJ = 0.5 per prompt on average
        Assert.True(within.Prop1.Holds);
    }

    [Fact]
    public void A_stage_is_measured_at_the_first_evaluation_point_at_or_past_each_third()
    {
        var stage = new StudyContext.BridgeStage(null!, boundary: 100, length: 60, checkpoints: 3);
        var due = new[] { 100, 110, 120, 130, 140, 150, 160 }.Where(stage.Due).ToArray();
        Assert.Equal([120, 140, 160], due);
        var sft = new StudyContext.BridgeStage(null!, boundary: 60, length: 250, checkpoints: 3);
        Assert.Equal([60 + 100, 60 + 175, 60 + 250], Enumerable.Range(1, 10).Select(i => 60 + 25 * i).Where(sft.Due).ToArray());
    }
}
