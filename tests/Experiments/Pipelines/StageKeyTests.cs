using System.Reflection;
using System.Text.Json.Nodes;
using Reproduction.Experiments;
using Reproduction.Experiments.Pipelines;
using Reproduction.Grpo;
using Reproduction.Sft;

namespace Repro.Tests.Pipelines;

/// <summary>
/// The stage cache key covers everything a prefix was made with: every option of every stage kind (each public
/// settable property, found by reflection, so an option added later is covered without a change here), the reward,
/// the plateau rule, the schedule and its parameters, the seed, the measurements and the context (base, data).
/// </summary>
public sealed class StageKeyTests
{
    private static readonly StudyContext Ctx = new(StudyPreset.Load("tiny-smoke"), Path.Combine(Path.GetTempPath(), "repro-key-unused", "metrics"), null, _ => { });
    private static readonly JsonObject Context = new() { ["base_sha256"] = "b0", ["data_sha256"] = "d0" };

    private static string KeyOf(StageSpec first, StageSpec? second = null, int seed = 1, Measurements? measure = null, JsonObject? context = null)
    {
        var stages = second is null ? new[] { first } : [first, second];
        var p = new PipelineSpec("p", "p", seed, stages, measure ?? Measurements.All);
        return StageKey.Hash(StageKey.Preimage(context ?? Context, p, stages.Length - 1, Ctx));
    }

    private static SftStageSpec Sft(SftOptions o) => new(o) { MetricsFile = "sft.jsonl" };
    private static GrpoStageSpec Grpo(GrpoOptions o, string reward = TrainingRewards.Strict, RlStageSpec? plateau = null) => new(o, reward, plateau) { MetricsFile = "grpo.jsonl" };

    /// <summary>Every public init property of a record, each set to another value its setter accepts: the copies that differ in one option.</summary>
    private static IEnumerable<(string Name, T Changed)> OneOptionChanged<T>(T original) where T : class
    {
        var clone = typeof(T).GetMethod("<Clone>$")!;
        foreach (var prop in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var value = prop.GetValue(original);
            var type = Nullable.GetUnderlyingType(prop.PropertyType) ?? prop.PropertyType;
            object?[] candidates = type switch
            {
                _ when type == typeof(double) => [value is double d ? d * 0.5 + 0.25 : 0.5, value is double e ? e + 1 : 1.0, value is null ? 0.5 : null, value is null ? 2.0 : null],
                _ when type == typeof(int) => [value is int i ? i + 1 : 1, value is int j && j > 1 ? j - 1 : 2, value is null ? 3 : null],
                _ when type == typeof(long) => [value is long l ? l + 1 : 1L, value is null ? 3L : null],
                _ when type == typeof(bool) => [!(value as bool? ?? false), value is null ? true : null],
                _ when type == typeof(string) => ["cosine", "linear", "constant", "grpo", "dr_grpo", "bnpo", "dapo", "none", "batch", "bfloat16", "float32", "x", null],
                _ when type == typeof(IReadOnlyList<double>) => [new List<double> { 0.5 }, null],
                _ when type.IsEnum => [.. Enum.GetValues(type).Cast<object?>()],
                _ => [null],
            };
            T? changed = null;
            foreach (var candidate in candidates.Where(c => !Equals(c, value)))
            {
                var copy = (T)clone.Invoke(original, null)!;
                try { prop.SetValue(copy, candidate); }
                catch (TargetInvocationException) { continue; }
                catch (ArgumentException) { continue; }
                changed = copy;
                break;
            }
            Assert.True(changed is not null, $"{typeof(T).Name}.{prop.Name}: no other value was accepted (add one to the candidates)");
            yield return (prop.Name, changed!);
        }
    }

    [Fact]
    public void Changing_any_SFT_option_changes_the_key_of_the_stage_and_of_every_prefix_after_it()
    {
        var options = Ctx.Preset.Sft with { Seed = 1 };
        var grpo = Grpo(Ctx.Preset.Grpo with { Seed = 1 });
        string key = KeyOf(Sft(options)), twoStage = KeyOf(Sft(options), grpo);
        int checkedOptions = 0;
        foreach (var (name, changed) in OneOptionChanged(options))
        {
            Assert.True(KeyOf(Sft(changed)) != key, $"sft option {name} is not in the key");
            Assert.True(KeyOf(Sft(changed), grpo) != twoStage, $"sft option {name} is not in the key of the prefix after it");
            checkedOptions++;
        }
        Assert.True(checkedOptions >= 20, $"only {checkedOptions} SFT options found");
    }

    [Fact]
    public void Changing_any_GRPO_option_the_reward_or_the_plateau_rule_changes_the_key()
    {
        var options = Ctx.Preset.Grpo with { Seed = 1 };
        string key = KeyOf(Grpo(options, plateau: Ctx.Preset.RlStage));
        int checkedOptions = 0;
        foreach (var (name, changed) in OneOptionChanged(options))
        {
            Assert.True(KeyOf(Grpo(changed, plateau: Ctx.Preset.RlStage)) != key, $"grpo option {name} is not in the key");
            checkedOptions++;
        }
        Assert.True(checkedOptions >= 25, $"only {checkedOptions} GRPO options found");
        foreach (var (name, changed) in OneOptionChanged(Ctx.Preset.RlStage))
            Assert.True(KeyOf(Grpo(options, plateau: changed)) != key, $"plateau setting {name} is not in the key");
        Assert.NotEqual(key, KeyOf(Grpo(options)));                                                    // no plateau stop
        Assert.NotEqual(key, KeyOf(Grpo(options, TrainingRewards.LabelOnly, Ctx.Preset.RlStage)));
    }

    [Fact]
    public void The_schedule_its_parameters_the_seed_the_measurements_and_the_context_are_in_the_key_and_output_names_are_not()
    {
        ScheduleStageSpec Mixed(string s, int evaluations = 6) => new(s, TrainingRewards.Strict, evaluations) { MetricsFile = "m.jsonl" };
        string joint = KeyOf(Mixed("joint"));
        Assert.NotEqual(joint, KeyOf(Mixed("joint:0.5")));
        Assert.NotEqual(joint, KeyOf(Mixed("joint:sft_loss=dft")));
        Assert.NotEqual(joint, KeyOf(Mixed("interleaved")));
        Assert.NotEqual(joint, KeyOf(Mixed("joint", evaluations: 3)));
        Assert.Equal(joint, KeyOf(Mixed("joint:1")));                                                  // the default, written out: the same schedule

        var sft = Sft(Ctx.Preset.Sft with { Seed = 1 });
        string key = KeyOf(sft);
        Assert.NotEqual(key, KeyOf(sft, seed: 2));
        Assert.NotEqual(key, KeyOf(sft, measure: new Measurements(true, false)));
        Assert.NotEqual(key, KeyOf(sft, context: new JsonObject { ["base_sha256"] = "b1", ["data_sha256"] = "d0" }));
        Assert.NotEqual(key, KeyOf(sft, context: new JsonObject { ["base_sha256"] = "b0", ["data_sha256"] = "d1" }));
        Assert.Equal(key, KeyOf(sft with { MetricsFile = "elsewhere.jsonl", Board = "another" }));   // where it logs is not what it computes
    }

    [Fact]
    public void The_context_names_the_CPU_and_the_kernels_instruction_set_cap_so_a_capped_run_reuses_no_native_prefix()
    {
        var folder = ShippedBase.Find(Ctx.Preset, 1, out var why) ?? throw new InvalidOperationException(why);
        using var model = Reproduction.Qwen3.Qwen3ForCausalLM.FromPretrained(folder);
        var torchPart = StageKey.Context(Ctx, model)["torch"]!;
        Assert.Equal(Reproduction.Runtime.TorchEnvironment.KernelIsaDescription(), torchPart["kernel_isa"]!.GetValue<string>());
        Assert.Equal(Reproduction.Runtime.TorchEnvironment.CpuModel(), torchPart["cpu"]!.GetValue<string>());
    }
}
