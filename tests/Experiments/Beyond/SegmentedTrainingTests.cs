using Reproduction.Experiments;
using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Rewards;
using Reproduction.Sft;
using Repro.Tests.Sft;
using static TorchSharp.torch;

namespace Repro.Tests.Beyond;

/// <summary>What the interleaved and joint schedules build on: training in segments equals one run; the joint loss hook.</summary>
public sealed class SegmentedTrainingTests
{
    private static float[] Weights(Qwen3ForCausalLM m) => m.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    [Fact]
    public void SFT_in_segments_of_3_and_5_steps_ends_bitwise_equal_to_one_8_step_run()
    {
        var data = ToyTask.Examples();
        var options = new SftOptions { PerDeviceTrainBatchSize = 6, GradientAccumulationSteps = 1, MaxSteps = 8, LearningRate = 2e-2, WarmupRatio = 0.2, EvalSteps = 0, Seed = 4 };
        var whole = ToyTask.Model(seed: 2);
        new SftTrainer(whole, options, data, null, ToyTask.Pad).Train();
        var parts = ToyTask.Model(seed: 2);
        var trainer = new SftTrainer(parts, options, data, null, ToyTask.Pad);
        using (var session = trainer.Open())
        {
            trainer.Continue(session, 3);
            Assert.Equal(3, session.Next);
            trainer.Continue(session, 50);                                           // never past max_steps
            Assert.Equal(8, session.Next);
        }
        Assert.Equal(Weights(whole), Weights(parts));
    }

    private sealed class EvenFirst : IReward
    {
        public string Name => "even";
        public double Score(string completion, string label) => completion.Split(' ')[0] is var t && long.TryParse(t, out var v) && v % 2 == 0 ? 1 : -1;
    }

    private static GrpoTrainer Grpo(Qwen3ForCausalLM m, Func<long, Tensor>? extra = null) => new(m, null,
        new GrpoOptions { NumGenerations = 4, PromptsPerStep = 3, MaxCompletionLength = 3, LearningRate = 2e-2, MaxSteps = 4, Seed = 7, EvalSteps = null },
        ToyTask.Examples().Take(9).Select(e => new GrpoPrompt(e.PromptIds.ToArray(), "even")).ToList(), new WeightedReward([new EvenFirst()]), ids => string.Join(' ', ids))
        { ExtraLoss = extra };

    [Fact]
    public void GRPO_in_segments_ends_bitwise_equal_and_the_joint_loss_hook_changes_the_run_only_when_it_is_non_zero()
    {
        var whole = ToyTask.Model(seed: 2);
        Grpo(whole).Train();
        var parts = ToyTask.Model(seed: 2);
        var trainer = Grpo(parts);
        using (var session = trainer.Open()) { trainer.Continue(session, 1); trainer.Continue(session, 3); }
        Assert.Equal(Weights(whole), Weights(parts));

        var zero = ToyTask.Model(seed: 2);
        Grpo(zero, _ => zeros(1).sum()).Train();
        Assert.Equal(Weights(whole), Weights(zero));
        var joint = ToyTask.Model(seed: 2);
        var data = ToyTask.Examples();
        var steps = new List<long>();
        Grpo(joint, j => { steps.Add(j); var (sum, n) = SftTrainer.Nll(joint, data, ToyTask.Pad, 64, true); return sum / n; }).Train();
        Assert.NotEqual(Weights(whole), Weights(joint));
        Assert.Equal([1L, 2, 3, 4], steps);                                         // once per update, with the 1-based step
    }

    [Fact]
    public void Ablation_schedules_parse_with_the_catalogue_keeping_their_ids_and_bad_ones_are_refused_naming_the_known_ones()
    {
        Assert.Equal("interleaved:10", AblationRunner.ScheduleVariant("interleaved:10").Id);
        Assert.Equal(10, AblationRunner.ScheduleVariant("interleaved:10").Parsed["k"]);
        Assert.Equal(0.5, AblationRunner.ScheduleVariant("joint:0.5").Parsed["lambda"]);
        Assert.Equal("sft-then-rl", AblationRunner.ScheduleVariant("sequential").Id);
        Assert.True(AblationRunner.ScheduleVariant("sequential").SftThenRl);
        Assert.True(AblationRunner.ScheduleVariant("rl-then-sft").RlThenSft);
        Assert.False(AblationRunner.ScheduleVariant("dft").SftThenRl);                           // SFT-then-RL with DFT's loss: the schedule engine's
        Assert.Contains("known:", Assert.Throws<Reproduction.ReproException>(() => AblationRunner.ScheduleVariant("alternating")).Message);
        Assert.Throws<Reproduction.ReproException>(() => AblationRunner.ScheduleVariant("joint:-1"));
        Assert.Equal(["beta=0", "beta=0.001", "beta=0.01", "beta=0.1"], AblationRunner.Variants("beta").Select(v => v.Id));
        Assert.Equal(["strict", "label_only"], AblationRunner.Variants("reward").Select(v => v.Reward));
    }
}
