using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Reproduction.Sft;

namespace Reproduction.Experiments;

/// <summary>The model a study starts from: a fresh tiny Qwen3 from a seed, or a pretrained HF folder.</summary>
public sealed record ModelSpec
{
    /// <summary>"init" (a Qwen3-architecture model made from <see cref="Config"/> and the run's seed) or "pretrained".</summary>
    [JsonPropertyName("source")] public string Source { get; init; } = "init";
    /// <summary>For "pretrained": a folder, or "env:VAR" naming an environment variable that holds one.</summary>
    [JsonPropertyName("path")] public string? Path { get; init; }
    /// <summary>For "init": config.json fields (vocab_size comes from the vocabulary subset).</summary>
    [JsonPropertyName("config")] public JsonObject? Config { get; init; }
    [JsonPropertyName("dtype")] public string Dtype { get; init; } = "float32";
    /// <summary>"subset" (the task's Qwen3 ids mapped to a dense range) or "full" (the model's own vocabulary).</summary>
    [JsonPropertyName("vocabulary")] public string Vocabulary { get; init; } = "subset";
}

/// <summary>The data of a study: the synthetic grammar (CPU scale) or CoLA as the paper used it.</summary>
public sealed record DataSpec
{
    [JsonPropertyName("kind")] public string Kind { get; init; } = "synthetic";
    [JsonPropertyName("train_size")] public int TrainSize { get; init; } = 2000;
    [JsonPropertyName("test_size")] public int TestSize { get; init; } = 300;
    [JsonPropertyName("acceptable_fraction")] public double AcceptableFraction { get; init; } = 0.70;
    [JsonPropertyName("seed")] public ulong Seed { get; init; } = 42;
    /// <summary>How many test prompts mean@1 is measured on (all when 0).</summary>
    [JsonPropertyName("eval_prompts")] public int EvalPrompts { get; init; }
}

/// <summary>
/// How the tiny preset makes its own base model (cpu-study-findings §1): a short seeded pre-training on task
/// answers with a non-empty think and a label drawn independently of the sentence (mostly the majority label),
/// a fraction of them in the empty-think SFT format (the "hybrid" base, like the paper's chat model that can
/// answer either way). It answers in the task's format before any SFT or RL, at about the majority rate.
/// </summary>
public sealed record BaseSpec
{
    [JsonPropertyName("steps")] public int Steps { get; init; } = 300;
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 3e-3;
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 16;
    [JsonPropertyName("hybrid_fraction")] public double HybridFraction { get; init; } = 0.3;
    [JsonPropertyName("majority_label_probability")] public double MajorityLabelProbability { get; init; } = 0.9;
    [JsonPropertyName("thoughts")] public IReadOnlyList<string> Thoughts { get; init; } = ["I check the words.", "Let me read it again.", "I look at the verb."];
}

/// <summary>The RL stage of RL-then-SFT: GRPO until the training reward plateaus, with a step cap.</summary>
public sealed record RlStageSpec
{
    [JsonPropertyName("max_steps")] public int MaxSteps { get; init; } = 60;
    /// <summary>Converged when the mean training reward of the last `window` steps is no higher than that of the window before plus `tolerance`.</summary>
    [JsonPropertyName("plateau_window")] public int PlateauWindow { get; init; } = 10;
    [JsonPropertyName("plateau_tolerance")] public double PlateauTolerance { get; init; } = 0.02;
    [JsonPropertyName("min_steps")] public int MinSteps { get; init; } = 20;
}

/// <summary>The paper's RL evaluation: mean@1 at temperature 0.6, top-p 0.95, at a fixed cadence.</summary>
public sealed record EvalSpec
{
    [JsonPropertyName("temperature")] public double Temperature { get; init; } = 0.6;
    [JsonPropertyName("top_p")] public double TopP { get; init; } = 0.95;
    [JsonPropertyName("max_new_tokens")] public int MaxNewTokens { get; init; } = 32;
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 64;
}

/// <summary>
/// A study preset (presets/NAME.json): model, data, base-model recipe, SFT and GRPO options (HF/TRL names), the
/// RL stage's stopping rule, evaluation settings, and each open decision of the paper (paper.md §5) with the
/// value taken and why. Loaded once and validated; every value is printed at the start of a run and saved with it.
/// </summary>
public sealed record StudyPreset
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("description")] public string Description { get; init; } = "";
    [JsonPropertyName("model")] public ModelSpec Model { get; init; } = new();
    [JsonPropertyName("data")] public DataSpec Data { get; init; } = new();
    [JsonPropertyName("base")] public BaseSpec? Base { get; init; }
    [JsonPropertyName("sft")] public SftOptions Sft { get; init; } = new();
    [JsonPropertyName("grpo")] public Grpo.GrpoOptions Grpo { get; init; } = new();
    [JsonPropertyName("rl_stage")] public RlStageSpec RlStage { get; init; } = new();
    [JsonPropertyName("eval")] public EvalSpec Eval { get; init; } = new();
    [JsonPropertyName("seeds")] public IReadOnlyList<int> Seeds { get; init; } = [1];
    [JsonPropertyName("decisions")] public IReadOnlyDictionary<string, string> Decisions { get; init; } = new Dictionary<string, string>();

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true, // "model": null is an error, not a null section
    };

    /// <summary>The preset folder shipped with the program (copied to the build output).</summary>
    public static string ShippedDirectory => System.IO.Path.Combine(AppContext.BaseDirectory, "presets");

    /// <summary>A preset by name (presets/NAME.json next to the program) or by path.</summary>
    public static StudyPreset Load(string nameOrPath)
    {
        var path = File.Exists(nameOrPath) ? nameOrPath : System.IO.Path.Combine(ShippedDirectory, nameOrPath + ".json");
        if (!File.Exists(path))
        {
            var known = Directory.Exists(ShippedDirectory) ? string.Join(", ", Directory.EnumerateFiles(ShippedDirectory, "*.json").Select(System.IO.Path.GetFileNameWithoutExtension)) : "none";
            throw ReproException.ForFile(path, $"no such preset (shipped presets: {known})");
        }
        StudyPreset preset;
        try { preset = JsonSerializer.Deserialize<StudyPreset>(File.ReadAllText(path), Json) ?? throw ReproException.ForFile(path, "empty preset"); }
        catch (JsonException e) { throw ReproException.ForFile(path, $"invalid preset: {e.Message}"); }
        catch (ReproException e) { throw ReproException.ForFile(path, e.Message, e); }          // a grpo value refused by its setter
        preset.Sft.Validated($"{path}: sft");
        if (preset.Model.Source is not ("init" or "pretrained")) throw ReproException.ForFile(path, $"model.source: '{preset.Model.Source}' (init or pretrained)");
        if (preset.Data.Kind is not ("synthetic" or "cola")) throw ReproException.ForFile(path, $"data.kind: '{preset.Data.Kind}' (synthetic or cola)");
        return preset;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
