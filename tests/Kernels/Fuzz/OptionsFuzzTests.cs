using System.Text;
using System.Text.Json.Nodes;
using Reproduction.Experiments;
using Reproduction.Grpo;
using Reproduction.Sft;
using Repro.Tests.IO;

namespace Repro.Tests.Fuzz;

/// <summary>
/// Fuzzes the shipped study presets (presets/*.json) and the SFT and GRPO option files cut from them: fields deleted,
/// set to null, retyped, negated, made huge, duplicated or invented, then text-level damage. Each mutated file loads
/// through <see cref="StudyPreset.Load"/>, <see cref="SftOptions.Load"/> or <see cref="GrpoOptions.Load"/> or is refused
/// with "PATH: problem".
/// </summary>
public sealed class OptionsFuzzTests
{
    private static JsonNode[] Presets() =>
        Directory.GetFiles(Path.Combine(Repro.Tests.SharedData.RepoRoot, "presets"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => Mutations.ParseJson(File.ReadAllText(f))).ToArray();

    public enum Kind { Preset, Sft, Grpo }

    private static void OptionMutations(int cases, Kind kind)
    {
        var presets = Presets();
        using var tmp = new TempFolder();
        var path = tmp.File($"{kind.ToString().ToLowerInvariant()}.json");
        FuzzCase.Run(cases, c =>
        {
            var r = c.Random();
            var preset = presets[r.Next(presets.Length)];
            var source = kind switch { Kind.Sft => preset["sft"]!, Kind.Grpo => preset["grpo"]!, _ => preset };
            File.WriteAllBytes(path, Mutations.MutateJson(r, source, c.Mutations));
            Action load = kind switch
            {
                Kind.Sft => () => SftOptions.Load(path),
                Kind.Grpo => () => GrpoOptions.Load(path),
                _ => () => StudyPreset.Load(path),
            };
            LoadContract.Check(path, load, c);
        });
    }

    [Fact]
    public void Preset_mutations_load_or_are_refused() => OptionMutations(FuzzBudget.Small, Kind.Preset);

    [Fact]
    public void Sft_option_mutations_load_or_are_refused() => OptionMutations(FuzzBudget.Small, Kind.Sft);

    [Fact]
    public void Grpo_option_mutations_load_or_are_refused() => OptionMutations(FuzzBudget.Small, Kind.Grpo);

    [Fact, Trait("Category", "Fuzz")]
    public void Preset_mutations_load_or_are_refused_large()
    {
        FuzzBudget.RequireOptIn();
        OptionMutations(FuzzBudget.Large, Kind.Preset);
    }

    [Fact, Trait("Category", "Fuzz")]
    public void Sft_option_mutations_load_or_are_refused_large()
    {
        FuzzBudget.RequireOptIn();
        OptionMutations(FuzzBudget.Large, Kind.Sft);
    }

    [Fact, Trait("Category", "Fuzz")]
    public void Grpo_option_mutations_load_or_are_refused_large()
    {
        FuzzBudget.RequireOptIn();
        OptionMutations(FuzzBudget.Large, Kind.Grpo);
    }

    [Theory]
    [InlineData(Kind.Preset, "{\"name\": \"\\ud800\"}", "invalid preset: The JSON value could not be converted to System.String. Path: $.name")]
    [InlineData(Kind.Preset, "{\"name\": \"x\", \"grpo\": {\"loss_type\": \"\\ud800\"}}", "invalid preset: The JSON value could not be converted to Reproduction.Grpo.LossType. Path: $.grpo.loss_type")]
    [InlineData(Kind.Preset, "{\"name\": \"x\", \"grpo\": {\"top_pp\": 1}}", "invalid preset: The JSON property 'top_pp' could not be mapped to any .NET member contained in type 'Reproduction.Grpo.GrpoOptions'")]
    [InlineData(Kind.Preset, "{\"name\": \"x\", \"grpo\": {\"gradient_accumulation_steps\": 9, \"num_generations\": 4, \"prompts_per_step\": 2}}", "grpo option gradient_accumulation_steps (9) exceeds the completions of a step")]
    [InlineData(Kind.Preset, "{\"name\": \"x\", \"model\": null}", "invalid preset: The property or field 'model' on type 'Reproduction.Experiments.StudyPreset' doesn't allow setting null values")]
    [InlineData(Kind.Preset, "{\"name\": \"x\", \"grpo\": {\"top_p\": 2}}", "grpo option top_p must be in (0, 1], got 2")]
    [InlineData(Kind.Sft, "{\"lr_scheduler_type\": \"\\udc00\"}", "invalid SFT options: The JSON value could not be converted to System.String")]
    [InlineData(Kind.Sft, "{\"lr_scheduler_type\": null}", "invalid SFT options: The property or field 'lr_scheduler_type' on type 'Reproduction.Sft.SftOptions' doesn't allow setting null values")]
    [InlineData(Kind.Sft, "{\"lr_scheduler_type\": \"cosine_typo\"}", "lr_scheduler_type: unknown schedule 'cosine_typo'")]
    [InlineData(Kind.Grpo, "{\"loss_type\": \"\\ud800\"}", "The JSON value could not be converted to Reproduction.Grpo.LossType")]
    [InlineData(Kind.Grpo, "{\"top_p\": 0}", "grpo option top_p must be in (0, 1], got 0")]
    public void Named_bad_option_files_are_refused_naming_the_file(Kind kind, string json, string problem)
    {
        using var tmp = new TempFolder();
        var path = tmp.File("options.json");
        File.WriteAllText(path, json);
        Action load = kind switch
        {
            Kind.Sft => () => SftOptions.Load(path),
            Kind.Grpo => () => GrpoOptions.Load(path),
            _ => () => StudyPreset.Load(path),
        };
        Assert.StartsWith($"{path}: {problem}", LoadContract.Check(path, load, "named"));
    }
}
