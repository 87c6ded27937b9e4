using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Reproduction.Data;
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
    /// <summary>The options of the synthetic grammar this spec asks for.</summary>
    public SyntheticColaOptions Synthetic(ulong? seed = null, int? trainSize = null, int? testSize = null) =>
        new(seed ?? Seed, trainSize ?? TrainSize, testSize ?? TestSize, AcceptableFraction,
            Rules.Count == 0 ? null : Rules.Select(SyntheticColaGenerator.RuleNamed).ToArray());

    [JsonPropertyName("kind")] public string Kind { get; init; } = "synthetic";
    [JsonPropertyName("train_size")] public int TrainSize { get; init; } = 2000;
    [JsonPropertyName("test_size")] public int TestSize { get; init; } = 300;
    [JsonPropertyName("acceptable_fraction")] public double AcceptableFraction { get; init; } = 0.70;
    [JsonPropertyName("seed")] public ulong Seed { get; init; } = 42;
    /// <summary>For synthetic data: the error rules unacceptable sentences are made with (kebab-case, e.g. "word-order-swap"); all when empty.</summary>
    [JsonPropertyName("rules")] public IReadOnlyList<string> Rules { get; init; } = [];
    /// <summary>How many test prompts mean@1 is measured on (all when 0).</summary>
    [JsonPropertyName("eval_prompts")] public int EvalPrompts { get; init; }
    /// <summary>How many test examples the SFT-test cross-entropy is measured on (the first N; all when 0).</summary>
    [JsonPropertyName("ce_examples")] public int CeExamples { get; init; }
    /// <summary>For kind "cola": a CoLA release folder (raw/ layout) to read instead of the copy shipped with the program.</summary>
    [JsonPropertyName("path"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Path { get; init; }
}

/// <summary>
/// A dry run of the full-size path at a model's exact shape with random weights (preset qwen3-0.6b-shape): its numbers
/// mean nothing, it shows that every stage runs at that shape within a memory bound. The study then checks the peak
/// resident memory after every training step, evaluation and checkpoint and stops with an error naming the bound when
/// it is over; keeps the base model on disk (each pipeline loads it from the saved folder) so that no extra copy of
/// the weights stays resident; and, optionally, runs the GRPO backward pass even when every advantage is 0 (random
/// weights earn the same reward on every sample, and the shortcut would leave the backward untested and untimed).
/// </summary>
public sealed record DryRunSpec
{
    /// <summary>The bound on the process's peak resident memory (VmHWM), GiB; 0 = no check.</summary>
    [JsonPropertyName("max_rss_gib")] public double MaxRssGib { get; init; }
    /// <summary>Free the base model once saved and diagnosed; each pipeline loads its copy from seed-N/base.</summary>
    [JsonPropertyName("base_on_disk")] public bool BaseOnDisk { get; init; }
    /// <summary>Run the GRPO backward even when the batch's advantages are all 0 (<see cref="Grpo.GrpoTrainer.SkipZeroGradientBackward"/> off).</summary>
    [JsonPropertyName("force_grpo_backward")] public bool ForceGrpoBackward { get; init; }

    /// <summary>Refuses base_on_disk in a verb that keeps every seed's base in memory (only `repro study` honours it).</summary>
    public static void RefuseBaseOnDisk(StudyPreset preset, string verb)
    {
        if (preset.DryRun?.BaseOnDisk == true)
            throw new ReproException($"preset {preset.Name}: dry_run.base_on_disk is honoured by `repro study` only; `repro {verb}` keeps the bases in memory (remove it)");
    }

    public DryRunSpec Validated(string where)
    {
        if (!(MaxRssGib >= 0) || !double.IsFinite(MaxRssGib)) throw new ReproException($"{where}: max_rss_gib: must be a finite number ≥ 0 (0 = no check), got {MaxRssGib}");
        return this;
    }
}

/// <summary>
/// How the tiny preset makes its own base model (<see cref="BaseModelRecipe"/>): pre-training phases on answers to
/// a fresh draw of the grammar (<see cref="CorpusSize"/> sentences from <see cref="CorpusSeed"/>, none of the study's),
/// a fraction of them in the empty-think SFT format (the "hybrid" base, like the paper's chat model that can answer
/// either way). A skill phase with true labels, then a calibration phase with noisy ones, gives a base that knows the
/// grammar (its greedy label is right) but is unsure (its sampled label often is not), like Qwen3-0.6B on CoLA.
/// </summary>
public sealed record BaseSpec
{
    [JsonPropertyName("corpus_size")] public int CorpusSize { get; init; } = 20_000;
    [JsonPropertyName("corpus_seed")] public ulong CorpusSeed { get; init; } = 7;
    [JsonPropertyName("hybrid_fraction")] public double HybridFraction { get; init; } = 0.3;
    [JsonPropertyName("thoughts")] public IReadOnlyList<string> Thoughts { get; init; } = ["I check the words.", "Let me read it again.", "I look at the verb."];
    [JsonPropertyName("phases")] public IReadOnlyList<BasePhase> Phases { get; init; } = [];

    /// <summary>Rounds of more phases while the base does not yet know the grammar (<see cref="BaseExtension"/>); none when absent.</summary>
    [JsonPropertyName("extension"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public BaseExtension? Extension { get; init; }

    public int Steps => Phases.Sum(p => p.Steps);

    public BaseSpec Validated(string where)
    {
        void Require(bool ok, string field, string message) { if (!ok) throw new ReproException($"{where}: {field}: {message}"); }
        Require(CorpusSize is > 0 and <= 90_000, "corpus_size", $"must be in 1..90000, got {CorpusSize}");
        Require(HybridFraction is >= 0 and <= 1, "hybrid_fraction", $"must be in [0, 1], got {HybridFraction}");
        Require(Thoughts.Count > 0 && Thoughts.All(t => !string.IsNullOrWhiteSpace(t)), "thoughts", "must be a non-empty list of non-empty strings");
        Require(Phases.Count > 0, "phases", "must list at least one pre-training phase");
        void Check(IReadOnlyList<BasePhase> phases, string name)
        {
            for (int i = 0; i < phases.Count; i++)
            {
                var p = phases[i];
                if (p is null) throw new ReproException($"{where}: {name}[{i}]: must be a phase object, got null");
                Require(p.Steps > 0, $"{name}[{i}].steps", $"must be positive, got {p.Steps}");
                Require(p.LearningRate > 0 && double.IsFinite(p.LearningRate), $"{name}[{i}].learning_rate", $"must be positive, got {p.LearningRate}");
                Require(p.BatchSize > 0, $"{name}[{i}].batch_size", $"must be positive, got {p.BatchSize}");
                Require(p.LabelAccuracy is >= 0 and <= 1, $"{name}[{i}].label_accuracy", $"must be in [0, 1], got {p.LabelAccuracy}");
                Require(p.WarmupRatio is >= 0 and < 1, $"{name}[{i}].warmup_ratio", $"must be in [0, 1), got {p.WarmupRatio}");
            }
        }
        Check(Phases, "phases");
        if (Extension is { } e)
        {
            Require(e.UntilProbeAuc is > 0 and <= 1, "extension.until_probe_auc", $"must be in (0, 1], got {e.UntilProbeAuc}");
            Require(e.ProbeSize is > 0 and <= 10_000, "extension.probe_size", $"must be in 1..10000, got {e.ProbeSize}");
            Require(e.MaxRounds is > 0 and <= 20, "extension.max_rounds", $"must be in 1..20, got {e.MaxRounds}");
            Require(e.Phases.Count > 0, "extension.phases", "must list the phases of a round");
            Check(e.Phases, "extension.phases");
        }
        return this;
    }
}

/// <summary>
/// More pre-training for a base that has not yet learnt the grammar: after the recipe's phases, how well the label's
/// probability (RL prompt, first thought) ranks acceptable above unacceptable sentences, its AUC, is measured on
/// probe_size fresh grammar sentences (none of the corpus, the study's train or test sentences); while it is below
/// until_probe_auc, a round of the listed phases runs (each with its own schedule and seed), at most max_rounds rounds.
/// The AUC, not the argmax accuracy, is the bar: the calibration phase moves the threshold on purpose, not the ranking. A base that already meets the bar gets no round: its weights are those
/// of the phases alone. The study's test sentences never decide a round.
/// </summary>
public sealed record BaseExtension
{
    [JsonPropertyName("until_probe_auc")] public double UntilProbeAuc { get; init; }
    [JsonPropertyName("probe_size")] public int ProbeSize { get; init; } = 600;
    [JsonPropertyName("max_rounds")] public int MaxRounds { get; init; } = 3;
    [JsonPropertyName("phases")] public IReadOnlyList<BasePhase> Phases { get; init; } = [];
}

/// <summary>One pre-training phase of the base recipe: steps of AdamW (cosine schedule) on answers whose label is true with probability label_accuracy.</summary>
public sealed record BasePhase
{
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("steps")] public int Steps { get; init; }
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 3e-3;
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 32;
    [JsonPropertyName("warmup_ratio")] public double WarmupRatio { get; init; } = 0.05;
    [JsonPropertyName("label_accuracy")] public double LabelAccuracy { get; init; } = 1.0;
}

/// <summary>
/// The SFT data of a study: the paper's format (the /no_think prompt and an empty think before the label) with labels
/// as an annotated dataset has them, or a planted cause for calibrating the mechanism table: targets in the RL format
/// (the RL prompt, a thought, the label: no format mismatch), or labels drawn from the label prior instead of the truth.
/// <see cref="LabelAccuracy"/> below 1 makes the SFT data an annotated one whose annotators disagree, as CoLA's do: each
/// sentence's label (train and test split alike, fixed per sentence) is its true one with that probability. The SFT
/// data's label distribution then has entropy, the condition under which Theorem 3.1's C1 and the drop of Theorem 4.1
/// are non-zero; GRPO's reward still checks the truth (the grammar), as a verifier would.
/// </summary>
public sealed record SftDataSpec
{
    [JsonPropertyName("format")] public string Format { get; init; } = "sft";
    [JsonPropertyName("labels")] public string Labels { get; init; } = "true";
    /// <summary>The probability that an SFT example's label is the sentence's true one (1 = the truth everywhere).</summary>
    [JsonPropertyName("label_accuracy")] public double LabelAccuracy { get; init; } = 1.0;

    public SftDataSpec Validated(string where)
    {
        if (Format is not ("sft" or "rl")) throw new ReproException($"{where}: format: '{Format}' (sft or rl)");
        if (Labels is not ("true" or "prior")) throw new ReproException($"{where}: labels: '{Labels}' (true or prior)");
        if (!(LabelAccuracy is > 0.5 and <= 1)) throw new ReproException($"{where}: label_accuracy: must be in (0.5, 1] (the truth must stay the majority), got {LabelAccuracy}");
        if (Labels == "prior" && LabelAccuracy != 1) throw new ReproException($"{where}: label_accuracy: {LabelAccuracy} with labels 'prior' (prior labels ignore the truth; use one or the other)");
        return this;
    }
}

/// <summary>
/// The RL stage of RL-then-SFT: GRPO for max_steps ("once the RL phase converges", §5.2), or, with a
/// <c>plateau_window</c>, until the training reward plateaus before that cap. Without a window there is no plateau
/// stop, and a <c>plateau_tolerance</c> or <c>min_steps</c> is refused rather than ignored.
/// </summary>
public sealed record RlStageSpec
{
    [JsonPropertyName("max_steps")] public int MaxSteps { get; init; } = 60;
    /// <summary>Converged when the mean training reward of the last `window` steps is no higher than that of the window before plus `tolerance`; null: no plateau stop.</summary>
    [JsonPropertyName("plateau_window")] public int? PlateauWindow { get; init; }
    [JsonPropertyName("plateau_tolerance")] public double? PlateauTolerance { get; init; }
    [JsonPropertyName("min_steps")] public int? MinSteps { get; init; }

    public const double DefaultPlateauTolerance = 0.02;
    public const int DefaultMinSteps = 20;

    /// <summary>Whether the stage stops at a reward plateau (else it runs all max_steps).</summary>
    [JsonIgnore] public bool StopsAtPlateau => PlateauWindow is not null;
    [JsonIgnore] public double Tolerance => PlateauTolerance ?? DefaultPlateauTolerance;
    [JsonIgnore] public int MinimumSteps => MinSteps ?? DefaultMinSteps;

    public RlStageSpec Validated(string where)
    {
        void Require(bool ok, string field, string message) { if (!ok) throw new ReproException($"{where}: {field}: {message}"); }
        Require(MaxSteps >= 1, "max_steps", $"must be ≥ 1, got {MaxSteps}");
        if (PlateauWindow is null)
        {
            Require(PlateauTolerance is null, "plateau_tolerance", "given without plateau_window, so there is no plateau stop for it to tune (set plateau_window or remove it)");
            Require(MinSteps is null, "min_steps", "given without plateau_window, so there is no plateau stop for it to delay (set plateau_window or remove it)");
            return this;
        }
        Require(PlateauWindow >= 1, "plateau_window", $"must be ≥ 1, got {PlateauWindow} (leave it out for no plateau stop)");
        Require(Tolerance >= 0 && double.IsFinite(Tolerance), "plateau_tolerance", $"must be a finite number ≥ 0, got {Tolerance}");
        Require(MinimumSteps >= 0, "min_steps", $"must be ≥ 0, got {MinimumSteps}");
        return this;
    }
}

/// <summary>
/// What `repro frontier` runs for this preset when no `--schedules` is given: schedule specs as the CLI takes them
/// (`all`, `joint:0.5`, `chord-mu:mu_peak=0.5`, …; see docs/schedules.md), and whether to sweep each one's main knob.
/// </summary>
public sealed record FrontierSpec
{
    [JsonPropertyName("schedules")] public IReadOnlyList<string> Schedules { get; init; } = [];
    [JsonPropertyName("sweep")] public bool Sweep { get; init; }

    /// <summary>The schedules, parsed (an unknown name or a value out of range is an error naming the preset).</summary>
    public IReadOnlyList<Experiments.Schedules.Schedule> Parse(string where)
    {
        try { return Experiments.Schedules.ScheduleCatalog.ParseList(string.Join(",", Schedules), Sweep); }
        catch (ReproException e) { throw new ReproException($"{where}: {e.Message}"); }
    }
}

/// <summary>The paper's RL evaluation: mean@1 at temperature 0.6, top-p 0.95, at a fixed cadence.</summary>
public sealed record EvalSpec
{
    [JsonPropertyName("temperature")] public double Temperature { get; init; } = 0.6;
    [JsonPropertyName("top_p")] public double TopP { get; init; } = 0.95;
    [JsonPropertyName("max_new_tokens")] public int MaxNewTokens { get; init; } = 32;
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 64;
    /// <summary>Samples per prompt of each mean@1 evaluation (the mean over samples: the same expectation, less noise).</summary>
    [JsonPropertyName("samples_per_prompt")] public int SamplesPerPrompt { get; init; } = 4;
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
    [JsonPropertyName("sft_data")] public SftDataSpec SftData { get; init; } = new();
    [JsonPropertyName("grpo")] public Grpo.GrpoOptions Grpo { get; init; } = new();
    [JsonPropertyName("rl_stage")] public RlStageSpec RlStage { get; init; } = new();
    [JsonPropertyName("eval")] public EvalSpec Eval { get; init; } = new();
    [JsonPropertyName("frontier")] public FrontierSpec? Frontier { get; init; }
    [JsonPropertyName("dry_run")] public DryRunSpec? DryRun { get; init; }
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
        preset.Base?.Validated($"{path}: base");
        preset.SftData.Validated($"{path}: sft_data");
        preset.RlStage.Validated($"{path}: rl_stage");
        if (preset.Frontier is { } frontier) frontier.Parse($"{path}: frontier.schedules");
        if (preset.Model.Source is not ("init" or "pretrained")) throw ReproException.ForFile(path, $"model.source: '{preset.Model.Source}' (init or pretrained)");
        if (preset.Data.Kind is not ("synthetic" or "cola")) throw ReproException.ForFile(path, $"data.kind: '{preset.Data.Kind}' (synthetic or cola)");
        if (preset.Data.Path is not null && preset.Data.Kind != "cola") throw ReproException.ForFile(path, $"data.path: only for kind cola (kind is '{preset.Data.Kind}')");
        if (preset.Data.EvalPrompts < 0 || preset.Data.CeExamples < 0) throw ReproException.ForFile(path, "data.eval_prompts / data.ce_examples: must be ≥ 0 (0 = the whole test split)");
        preset.DryRun?.Validated($"{path}: dry_run");
        return preset;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
