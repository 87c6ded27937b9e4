using System.Text.Json.Nodes;
using Reproduction;
using Reproduction.Grpo;

namespace Repro.Tests.Grpo;

/// <summary>The options record: TRL v1.9.0 defaults, snake_case JSON, validation at construction.</summary>
public sealed class GrpoOptionsTests
{
    [Fact]
    public void Defaults_are_TRL_v1_9_0s()
    {
        var o = new GrpoOptions();
        Assert.Equal(8, o.NumGenerations);
        Assert.Equal(1e-6, o.LearningRate);
        Assert.Equal(0.0, o.Beta);
        Assert.Equal(0.2, o.EpsilonLow);
        Assert.Null(o.EpsilonHigh);
        Assert.Equal(0.2, o.EffectiveEpsilonHigh);
        Assert.Null(o.Delta);
        Assert.Null(o.ClipRatioC);
        Assert.Equal(LossType.Dapo, o.LossType);
        Assert.Equal(ScaleRewards.Group, o.ScaleRewards);
        Assert.Equal(GrpoAdvantages.TrlEpsilon, o.AdvantageEpsilon);
        Assert.Equal(KlEstimatorKind.K3, o.KlEstimator);
        Assert.Equal((1.0, 1.0, 0), (o.Temperature, o.TopP, o.TopK));
        Assert.Equal(256, o.MaxCompletionLength);
        Assert.Equal(1, o.NumIterations);
        Assert.Equal((0.9, 0.999, 1e-8, 0.0, 1.0), (o.AdamBeta1, o.AdamBeta2, o.AdamEpsilon, o.WeightDecay, o.MaxGradNorm));
        Assert.Equal((1, 42, 10), (o.GradientAccumulationSteps, o.Seed, o.LoggingSteps));
    }

    [Fact]
    public void JSON_uses_TRL_and_verl_names_and_round_trips()
    {
        var o = GrpoOptions.FromJson("""
            { "num_generations": 16, "loss_type": "token-mean", "kl_estimator": "low_var_kl", "beta": 0.001,
              "scale_rewards": "none", "epsilon_high": 0.28, "clip_ratio_c": 3.0, "advantage_epsilon": 1e-6,
              "reward_weights": [1.0, 0.5], "eval_steps": 5 }
            """);
        Assert.Equal(16, o.NumGenerations);
        Assert.Equal(LossType.TokenMean, o.LossType);
        Assert.Equal(KlEstimatorKind.LowVarKl, o.KlEstimator);
        Assert.Equal(ScaleRewards.None, o.ScaleRewards);
        Assert.Equal(0.28, o.EffectiveEpsilonHigh);
        Assert.Equal([1.0, 0.5], o.RewardWeights!);
        Assert.Equal(1e-6, o.LearningRate);                                            // absent → default

        var json = JsonNode.Parse(o.ToJson())!.AsObject();
        Assert.Equal("token-mean", json["loss_type"]!.GetValue<string>());
        Assert.Equal("low_var_kl", json["kl_estimator"]!.GetValue<string>());
        Assert.False(json.ContainsKey("EffectiveEpsilonHigh") || json.ContainsKey("effective_epsilon_high"));
        var back = GrpoOptions.FromJson(o.ToJson());
        Assert.Equal(o.ToJson(), back.ToJson());
        Assert.Equal(o with { RewardWeights = null }, back with { RewardWeights = null });  // lists compare by reference
    }

    [Theory]
    [InlineData("""{ "num_generations": 1 }""", "num_generations")]
    [InlineData("""{ "beta": -0.1 }""", "beta")]
    [InlineData("""{ "epsilon_low": 1.5 }""", "epsilon_low")]
    [InlineData("""{ "delta": 0.9 }""", "delta")]
    [InlineData("""{ "clip_ratio_c": 1.0 }""", "clip_ratio_c")]
    [InlineData("""{ "top_p": 0 }""", "top_p")]
    [InlineData("""{ "learning_rate": 0 }""", "learning_rate")]
    [InlineData("""{ "gradient_accumulation_steps": 0 }""", "gradient_accumulation_steps")]
    [InlineData("""{ "reward_weights": [1, "NaN"] }""", "reward_weights")]
    [InlineData("""{ "loss_type": "sapo" }""", "loss_type")]
    [InlineData("""{ "scale_rewards": true }""", "scale_rewards")]
    [InlineData("""{ "epsilon": 0.2 }""", "epsilon")]
    public void Invalid_or_unknown_settings_fail_with_a_message_naming_the_setting(string json, string setting)
    {
        var e = Assert.Throws<ReproException>(() => GrpoOptions.FromJson(json, "run.json"));
        Assert.StartsWith("run.json: ", e.Message);
        Assert.Contains(setting, e.Message);
    }

    [Fact]
    public void With_expressions_are_validated_too()
    {
        var e = Assert.Throws<ReproException>(() => new GrpoOptions() with { NumIterations = 0 });
        Assert.Contains("num_iterations", e.Message);
        Assert.Throws<ReproException>(() => new GrpoOptions { Temperature = double.NaN });
        Assert.Throws<ReproException>(() => new GrpoOptions { LossType = (LossType)99 });
    }

    [Fact]
    public void Load_names_the_file_when_it_is_missing()
    {
        var path = Path.Combine(Path.GetTempPath(), $"repro-grpo-{Guid.NewGuid():N}.json");
        var e = Assert.Throws<ReproException>(() => GrpoOptions.Load(path));
        Assert.Contains(path, e.Message);
    }
}
