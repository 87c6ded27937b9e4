using Reproduction.Experiments;

namespace Repro.Tests.Study;

/// <summary>Every shipped preset loads and validates, and names each open decision of the paper it takes.</summary>
public sealed class PresetTests
{
    /// <summary>The message of the refusal to load a preset file holding <paramref name="json"/>; it starts with the file's path.</summary>
    private static string Refused(string json)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("repro-preset-").FullName, "bad.json");
        File.WriteAllText(path, json);
        var e = Assert.Throws<Reproduction.ReproException>(() => StudyPreset.Load(path));
        Assert.StartsWith(path, e.Message);
        return e.Message;
    }

    public static TheoryData<string> Shipped() => new(Directory.EnumerateFiles(StudyPreset.ShippedDirectory, "*.json").Select(Path.GetFileNameWithoutExtension).Order()!);

    [Theory]
    [MemberData(nameof(Shipped))]
    public void A_shipped_preset_loads_validates_and_lists_its_decisions(string name)
    {
        var preset = StudyPreset.Load(name);
        Assert.Equal(name, preset.Name);
        Assert.NotEmpty(preset.Seeds);
        foreach (var id in new[] { "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8" })
            Assert.Contains(preset.Decisions.Keys, k => k.StartsWith(id + " ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_paper_preset_uses_the_public_setup_values()
    {
        var p = StudyPreset.Load("qwen3-0.6b");
        Assert.Equal(("pretrained", "float32", "full", "cola"), (p.Model.Source, p.Model.Dtype, p.Model.Vocabulary, p.Data.Kind));
        Assert.Equal((2, 1e-5, 16, 8, 512), (p.Sft.NumTrainEpochs, p.Sft.LearningRate, p.Sft.PerDeviceTrainBatchSize, p.Sft.GradientAccumulationSteps, p.Sft.MaxLength));
        var g = p.Grpo;
        Assert.Equal((16, 1e-6, 0.001), (g.NumGenerations, g.LearningRate, g.Beta));
        Assert.Equal((0.6, 0.95), (p.Eval.Temperature, p.Eval.TopP));
    }

    [Fact]
    public void The_paper_presets_RL_prompts_fit_its_max_prompt_length_so_none_is_cut_or_refused()
    {
        var p = StudyPreset.Load("qwen3-0.6b");
        var (train, test) = TaskSetup.LoadData(p.Data);
        var encoder = TaskSetup.Encoder(p, Reproduction.Text.Qwen3Tokenizer.LoadDefault(), Reproduction.Data.ColaTaskFormatter.ColaRl, [.. train, .. test]);
        var prompts = train.Select(encoder.Rl).ToList();
        var set = Reproduction.Grpo.GrpoPromptSet.Fit(prompts, p.Grpo);
        Assert.Equal((prompts.Count, 0), (set.Prompts.Count, set.Truncated.Count(t => t)));
        Assert.InRange(prompts.Max(x => x.PromptIds.Length), 1, p.Grpo.MaxPromptLength);
    }

    [Theory]
    [InlineData("{ \"name\": \"bad\", \"sft\": { \"num_train_epoch\": 2 } }", "num_train_epoch")]
    [InlineData("{ \"name\": \"bad\", \"grpo\": { \"max_prompt_lenght\": 256 } }", "'max_prompt_lenght'")]
    public void A_preset_with_an_unknown_field_is_refused_naming_the_file_and_the_field(string json, string field)
    {
        Assert.Contains(field, Refused(json));
    }

    [Theory]
    [InlineData("nope", "unknown schedule 'nope'")]
    [InlineData("chord-mu:mu_peak=2", "outside [0, 1]")]
    public void A_preset_whose_frontier_names_a_bad_schedule_is_refused_naming_the_file_and_the_schedule(string spec, string problem)
    {
        Assert.Contains(problem, Refused($$"""{ "name": "bad", "frontier": { "schedules": ["joint", "{{spec}}"] } }"""));
    }

    [Theory]
    [InlineData("{ \"phases\": [null] }", "base: phases[0]: must be a phase object, got null")]
    [InlineData("{ \"phases\": [{ \"name\": \"skill\", \"steps\": 10, \"learning_rate\": 0.001, \"batch_size\": 8 }], \"extension\": { \"until_probe_auc\": 0.9, \"phases\": [null] } }",
        "base: extension.phases[0]: must be a phase object, got null")]
    public void A_base_recipe_with_a_null_phase_is_refused_naming_the_file_and_the_phase(string recipe, string problem)
    {
        Assert.Contains(problem, Refused($$"""{ "name": "bad", "base": {{recipe}} }"""));
    }

    [Theory]
    [InlineData("{ \"max_steps\": 60, \"plateau_tolerance\": 0.02 }", "plateau_tolerance: given without plateau_window")]
    [InlineData("{ \"max_steps\": 60, \"min_steps\": 30 }", "min_steps: given without plateau_window")]
    [InlineData("{ \"max_steps\": 60, \"plateau_window\": 0 }", "plateau_window: must be ≥ 1")]
    [InlineData("{ \"max_steps\": 0 }", "max_steps: must be ≥ 1")]
    public void An_rl_stage_whose_plateau_settings_cannot_be_honoured_is_refused_naming_the_file_and_the_field(string rlStage, string problem)
    {
        Assert.Contains($"rl_stage: {problem}", Refused($$"""{ "name": "bad", "rl_stage": {{rlStage}} }"""));
    }

    [Fact]
    public void A_preset_frontier_lists_the_schedules_frontier_runs_with_its_sweep()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("repro-preset-").FullName, "mine.json");
        File.WriteAllText(path, """{ "name": "mine", "frontier": { "schedules": ["joint:0.5", "hpt"], "sweep": true } }""");
        var names = StudyPreset.Load(path).Frontier!.Parse(path).Select(s => s.Name).ToList();
        Assert.Equal(["joint:lambda=0.5", "hpt", "joint:lambda=0.1", "joint:lambda=0.3", "joint:lambda=3", "hpt:gamma=1", "hpt:gamma=2", "hpt:gamma=4"], names);
    }
}
