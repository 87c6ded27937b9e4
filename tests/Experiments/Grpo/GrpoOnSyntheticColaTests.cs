using Reproduction.Data;
using Reproduction.Experiments;
using Reproduction.Grpo;
using Reproduction.Rewards;
using Reproduction.Text;

namespace Repro.Tests.Grpo;

/// <summary>
/// GRPO on the synthetic CoLA-style task with the paper's strict reward, from the tiny preset's shipped bases: a base
/// that knows the grammar but samples unsure answers, so GRPO's groups carry signal and the training reward rises
/// within a few steps, in every shipped seed (at the smoke preset's learning rate; the study's slower one is checked by its own stage effect).
/// </summary>
public sealed class GrpoOnSyntheticColaTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void From_the_shipped_base_GRPO_raises_the_strict_training_reward_within_twenty_steps(int seed)
    {
        var preset = StudyPreset.Load("tiny-smoke");                                   // tiny's bases and data; GRPO at lr 1e-3, 8 prompts a step
        var (train, test) = TaskSetup.LoadData(preset.Data);
        var encoder = TaskSetup.Encoder(preset, Qwen3Tokenizer.LoadDefault(), ColaTaskFormatter.ColaRl, train.Concat(test).ToList());
        var model = TaskSetup.BaseModel(preset, encoder, train, seed, metricsDir: null, log: _ => { });
        var history = new GrpoTrainer(model, null, preset.Grpo with { Seed = seed, MaxSteps = 20 }, train.Select(encoder.Rl).ToList(),
            new WeightedReward([new StrictColaReward()]), encoder.Decode).Train();

        double first = history.Take(5).Average(m => m["reward"]), last = history.TakeLast(5).Average(m => m["reward"]);
        Assert.True(last - first > 0.15, $"strict reward: steps 1-5 {first:F3}, steps 16-20 {last:F3} ({string.Join(", ", history.Select(m => m["reward"].ToString("F2")))})");
    }
}
