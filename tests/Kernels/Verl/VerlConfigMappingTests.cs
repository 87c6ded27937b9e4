using System.Reflection;
using System.Text.Json.Serialization;
using Reproduction.Experiments;
using Reproduction.Experiments.Verl;
using Reproduction.Grpo;
using Reproduction.Sft;

namespace Repro.Tests.Verl;

/// <summary>
/// The one table between our options and verl's keys: every option has an entry (a new option without one goes red),
/// and the paper's preset becomes the public CoLA-RL setup's verl settings.
/// </summary>
public sealed class VerlConfigMappingTests
{
    private static IEnumerable<string> JsonFields(Type t) => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
        .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? throw new InvalidOperationException($"{t.Name}.{p.Name} has no JSON name"));

    [Fact]
    public void Every_grpo_option_has_exactly_one_verl_mapping_entry()
    {
        Assert.Equal(JsonFields(typeof(GrpoOptions)).Order(StringComparer.Ordinal), VerlConfigMapping.Grpo.Select(m => m.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_sft_option_has_exactly_one_verl_mapping_entry()
    {
        Assert.Equal(JsonFields(typeof(SftOptions)).Order(StringComparer.Ordinal), VerlConfigMapping.Sft.Select(m => m.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void No_override_key_is_written_twice()
    {
        var preset = StudyPreset.Load("qwen3-0.6b");
        var grpo = VerlConfigMapping.GrpoOverrides(preset.Grpo, new VerlRlStage(200, preset.Eval)).Select(o => o.Key).ToList();
        var sft = VerlConfigMapping.SftOverrides(preset.Sft).Select(o => o.Key).ToList();
        Assert.Equal(grpo.Distinct(), grpo);
        Assert.Equal(sft.Distinct(), sft);
    }

    [Fact]
    public void The_paper_preset_maps_to_the_public_setups_verl_settings()
    {
        var preset = StudyPreset.Load("qwen3-0.6b");
        var grpo = VerlConfigMapping.GrpoOverrides(preset.Grpo, new VerlRlStage(preset.RlStage.MaxSteps, preset.Eval)).ToDictionary(o => o.Key, o => o.Value);
        Assert.Equal("grpo", grpo["algorithm.adv_estimator"]);
        Assert.Equal("16", grpo["actor_rollout_ref.rollout.n"]);
        Assert.Equal("32", grpo["data.train_batch_size"]);
        Assert.Equal("32", grpo["actor_rollout_ref.actor.ppo_mini_batch_size"]);
        Assert.Equal("token-mean", grpo["actor_rollout_ref.actor.loss_agg_mode"]);
        Assert.Equal("True", grpo["actor_rollout_ref.actor.use_kl_loss"]);
        Assert.Equal("0.001", grpo["actor_rollout_ref.actor.kl_loss_coef"]);
        Assert.Equal("low_var_kl", grpo["actor_rollout_ref.actor.kl_loss_type"]);
        Assert.Equal("3.0", grpo["actor_rollout_ref.actor.clip_ratio_c"]);
        Assert.Equal("0.000001", grpo["actor_rollout_ref.actor.optim.lr"]);
        Assert.Equal("-1", grpo["actor_rollout_ref.rollout.top_k"]);
        Assert.Equal("1024", grpo["data.max_response_length"]);
        Assert.Equal("200", grpo["trainer.total_training_steps"]);
        Assert.Equal("0.6", grpo["actor_rollout_ref.rollout.val_kwargs.temperature"]);
        Assert.Equal("0.95", grpo["actor_rollout_ref.rollout.val_kwargs.top_p"]);

        var sft = VerlConfigMapping.SftOverrides(preset.Sft).ToDictionary(o => o.Key, o => o.Value);
        Assert.Equal("instruction", sft["data.prompt_key"]);
        Assert.Equal("output", sft["data.response_key"]);
        Assert.Equal("128", sft["data.train_batch_size"]);
        Assert.Equal("16", sft["data.micro_batch_size_per_gpu"]);
        Assert.Equal("0.00001", sft["optim.lr"]);
        Assert.Equal("0.01", sft["optim.warmup_steps_ratio"]);
        Assert.Equal("[0.9,0.999]", sft["optim.betas"]);
        Assert.Equal("0.0", sft["optim.weight_decay"]);
        Assert.Equal("2", sft["trainer.total_epochs"]);
        Assert.Equal("512", sft["data.max_length"]);
        Assert.Equal("fp32", sft["model.fsdp_config.model_dtype"]);
    }

    [Fact]
    public void What_verl_cannot_express_is_named_and_the_paper_preset_has_none_beyond_the_documented_differences()
    {
        var preset = StudyPreset.Load("qwen3-0.6b");
        Assert.Empty(VerlConfigMapping.Unsupported(preset.Grpo, preset.Sft));
        var odd = new GrpoOptions { ScaleRewards = ScaleRewards.Batch, Delta = 2.0, MaskTruncatedCompletions = true, AdvantageEpsilon = 1e-4 };
        var unsupported = VerlConfigMapping.Unsupported(odd, new SftOptions { LrSchedulerType = "linear" });
        Assert.Equal(5, unsupported.Count);
        Assert.Contains(unsupported, u => u.StartsWith("grpo: scale_rewards=batch", StringComparison.Ordinal));
        Assert.Contains(unsupported, u => u.StartsWith("sft: lr_scheduler_type=linear", StringComparison.Ordinal));
    }

    /// <summary>The fields named in the first column of the docs/options.md table under `heading`.</summary>
    private static IReadOnlyList<string> DocsTableFields(string heading)
    {
        var lines = File.ReadAllLines(Path.Combine(global::Repro.Tests.SharedData.RepoRoot, "docs", "options.md"));
        int start = Array.IndexOf(lines, heading);
        Assert.True(start >= 0, $"docs/options.md has no heading '{heading}'");
        return lines.Skip(start + 1).TakeWhile(l => !l.StartsWith('#')).Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(l => System.Text.RegularExpressions.Regex.Matches(l.Split('|')[1], "`([a-z0-9_]+)`").Select(m => m.Groups[1].Value)).ToList();
    }

    [Fact]
    public void The_options_tables_in_the_docs_list_every_grpo_and_sft_option()
    {
        Assert.Equal(JsonFields(typeof(GrpoOptions)).Order(StringComparer.Ordinal), DocsTableFields("## `GrpoOptions` ↔ TRL ↔ verl").Order(StringComparer.Ordinal));
        Assert.Equal(JsonFields(typeof(SftOptions)).Order(StringComparer.Ordinal), DocsTableFields("## `SftOptions` ↔ TRL ↔ verl").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Without_eval_or_save_steps_the_last_step_is_still_validated_and_saved_so_the_next_stage_has_a_start()
    {
        var o = VerlConfigMapping.GrpoOverrides(new GrpoOptions { EvalSteps = null, SaveSteps = null, ClipRatioC = null, TopK = 0 }, new VerlRlStage(60, new EvalSpec()))
            .ToDictionary(x => x.Key, x => x.Value);
        Assert.Equal("60", o["trainer.test_freq"]);
        Assert.Equal("60", o["trainer.save_freq"]);
        Assert.Equal("True", o["trainer.val_before_train"]);
        Assert.Equal(VerlConfigMapping.Number(VerlConfigMapping.DualClipOff), o["actor_rollout_ref.actor.clip_ratio_c"]);
        Assert.Equal("False", o["actor_rollout_ref.actor.use_kl_loss"]);
    }

    [Theory]
    [InlineData(1e-6, "0.000001")]
    [InlineData(3.0, "3.0")]
    [InlineData(0.95, "0.95")]
    [InlineData(1e-8, "0.00000001")]
    public void Numbers_are_written_with_a_decimal_point_as_hydra_reads_floats(double value, string expected)
    {
        Assert.Equal(expected, VerlConfigMapping.Number(value));
    }
}
