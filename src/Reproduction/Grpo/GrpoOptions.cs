using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reproduction.Grpo;

/// <summary>
/// Every GRPO hyper-parameter, with TRL's names (verl's where TRL has none). Immutable; each value is checked
/// when it is set (construction, <c>with</c>, JSON), so an instance is always valid. Defaults are TRL v1.9.0's
/// `GRPOConfig` (trl/trainer/grpo_config.py) or the inherited `TrainingArguments`; each comment also gives the
/// public CoLA setup's value (ytzfhqs/CoLA-RL, verl; see shared/paper/cola-setup.md) where it states one.
/// The field ↔ TRL ↔ verl table is docs/options.md.
/// </summary>
public sealed record GrpoOptions : IJsonOnDeserialized
{
    // ---- rollouts --------------------------------------------------------------------------------------------

    /// <summary>Completions per prompt, the group size G. TRL 8 (grpo_config.py:474); public setup rollout.n 16.</summary>
    [JsonPropertyName("num_generations")]
    public int NumGenerations { get; init => field = AtLeast(value, 2, "num_generations"); } = 8;

    /// <summary>
    /// Prompts per optimizer step. TRL has no such field: it is generation_batch_size / num_generations, and its
    /// defaults (per_device_train_batch_size 8, one GPU) give 1 prompt × 8. verl `data.train_batch_size`;
    /// public setup 256 (with ppo_mini_batch_size 32, i.e. 8 optimizer steps per rollout batch).
    /// </summary>
    [JsonPropertyName("prompts_per_step")]
    public int PromptsPerStep { get; init => field = AtLeast(value, 1, "prompts_per_step"); } = 1;

    /// <summary>Rollout temperature; log-probs use the same one. TRL 1.0 (:522); public train 1.0, validation 0.6.</summary>
    [JsonPropertyName("temperature")]
    public double Temperature { get; init => field = Positive(value, "temperature"); } = 1.0;

    /// <summary>Nucleus sampling mass. TRL 1.0 = off (:526); public train 1.0, validation 0.95.</summary>
    [JsonPropertyName("top_p")]
    public double TopP { get; init => field = value > 0 && value <= 1 ? value : throw new ReproException($"grpo option top_p must be in (0, 1], got {value}"); } = 1.0;

    /// <summary>Top-k sampling; 0 = off. TRL 0 (:533); verl uses −1 for off, mapped to 0 here.</summary>
    [JsonPropertyName("top_k")]
    public int TopK { get; init => field = AtLeast(value, 0, "top_k"); } = 0;

    /// <summary>
    /// Longest prompt in tokens; a longer one is dropped (filter_overlong_prompts) or cut or refused (truncation).
    /// TRL v1.9.0 has no such field; verl `data.max_prompt_length` 512 is the default here; public setup 256.
    /// </summary>
    [JsonPropertyName("max_prompt_length")]
    public int MaxPromptLength { get; init => field = AtLeast(value, 1, "max_prompt_length"); } = 512;

    /// <summary>
    /// A prompt over max_prompt_length that is not filtered: verl `data.truncation` (error, its default; left, right, middle).
    /// </summary>
    [JsonPropertyName("truncation")]
    public PromptTruncation Truncation { get; init => field = Defined(value, "truncation"); } = PromptTruncation.Error;

    /// <summary>
    /// Drop prompts over max_prompt_length from the prompt set before training: verl `data.filter_overlong_prompts`
    /// (false in verl's ppo_trainer.yaml). The dropped count is the step metric `prompt_length/filtered`.
    /// </summary>
    [JsonPropertyName("filter_overlong_prompts")]
    public bool FilterOverlongPrompts { get; init; }

    /// <summary>
    /// Most generated tokens per completion; also the dr_grpo denominator. TRL v1.9.0 256 (:488; HEAD 512);
    /// verl `data.max_response_length`; public setup 2048.
    /// </summary>
    [JsonPropertyName("max_completion_length")]
    public int MaxCompletionLength { get; init => field = AtLeast(value, 1, "max_completion_length"); } = 256;

    /// <summary>Zero the mask of completions that hit the length limit without EOS. TRL false (:826).</summary>
    [JsonPropertyName("mask_truncated_completions")]
    public bool MaskTruncatedCompletions { get; init; }

    // ---- rewards and advantages ------------------------------------------------------------------------------

    /// <summary>Weights of the reward functions, null = all 1. TRL null (:760).</summary>
    [JsonPropertyName("reward_weights")]
    public IReadOnlyList<double>? RewardWeights
    {
        get;
        init => field = value is null ? null : Array.AsReadOnly(value.Select((w, i) => Finite(w, $"reward_weights[{i}]")).ToArray());
    }

    /// <summary>Which std divides the centred reward. TRL "group" (:779); verl norm_adv_by_std_in_grpo true = group.</summary>
    [JsonPropertyName("scale_rewards")]
    public ScaleRewards ScaleRewards { get; init => field = Defined(value, "scale_rewards"); } = ScaleRewards.Group;

    /// <summary>
    /// Added to the std before dividing. TRL 1e-4 (grpo_trainer.py:2707, hard-coded); verl 1e-6
    /// (core_algos.py:271, the public setup's).
    /// </summary>
    [JsonPropertyName("advantage_epsilon")]
    public double AdvantageEpsilon { get; init => field = NonNegative(value, "advantage_epsilon"); } = 1e-4;

    // ---- loss ------------------------------------------------------------------------------------------------

    /// <summary>Loss aggregation. TRL "dapo" (:791); verl loss_agg_mode "token-mean" (the public setup's).</summary>
    [JsonPropertyName("loss_type")]
    public LossType LossType { get; init => field = Defined(value, "loss_type"); } = LossType.Dapo;

    /// <summary>KL coefficient; 0 = no reference model. TRL 0.0 (:671); public setup kl_loss_coef 0.001.</summary>
    [JsonPropertyName("beta")]
    public double Beta { get; init => field = NonNegative(value, "beta"); } = 0.0;

    /// <summary>KL estimator. TRL k3 (its only one); verl kl_loss_type low_var_kl (the public setup's).</summary>
    [JsonPropertyName("kl_estimator")]
    public KlEstimatorKind KlEstimator { get; init => field = Defined(value, "kl_estimator"); } = KlEstimatorKind.K3;

    /// <summary>Multiply the KL by the ratio (DeepSeek-V3.2 bias correction). TRL false (:962).</summary>
    [JsonPropertyName("use_bias_correction_kl")]
    public bool UseBiasCorrectionKl { get; init; }

    /// <summary>Lower clip 1 − ε_low. TRL `epsilon` 0.2 (:683); verl clip_ratio_low 0.2.</summary>
    [JsonPropertyName("epsilon_low")]
    public double EpsilonLow { get; init => field = InRange(value, 0.0, 1.0, "epsilon_low"); } = 0.2;

    /// <summary>Upper clip 1 + ε_high; null = ε_low. TRL null (:695); verl clip_ratio_high 0.2; DAPO 0.28.</summary>
    [JsonPropertyName("epsilon_high")]
    public double? EpsilonHigh { get; init => field = value is null ? null : NonNegative(value.Value, "epsilon_high"); }

    /// <summary>
    /// TRL's two-sided clip (INTELLECT-2): the unclipped ratio is capped at delta, for either advantage sign.
    /// TRL null = off (:687). Must exceed 1 + ε_high to matter (TRL recommends it; not enforced by TRL).
    /// </summary>
    [JsonPropertyName("delta")]
    public double? Delta { get; init => field = value is null ? null : Greater(value.Value, 1.0, "delta"); }

    /// <summary>
    /// verl's dual clip (Ye et al. 2020): for A &lt; 0 the token loss is capped at −A·c. null = off (TRL has
    /// none); verl actor.clip_ratio_c 3.0, so it was on in the public setup. verl asserts c &gt; 1 (core_algos.py:1205).
    /// </summary>
    [JsonPropertyName("clip_ratio_c")]
    public double? ClipRatioC { get; init => field = value is null ? null : Greater(value.Value, 1.0, "clip_ratio_c"); }

    /// <summary>
    /// Clamp on logp − old_logp before exp. null = off (TRL); verl clamps to ±20 (core_algos.py:1212).
    /// </summary>
    [JsonPropertyName("log_ratio_clamp")]
    public double? LogRatioClamp { get; init => field = value is null ? null : Positive(value.Value, "log_ratio_clamp"); }

    /// <summary>Policy updates per rollout batch, μ. TRL 1 (:679); verl ppo_epochs 1.</summary>
    [JsonPropertyName("num_iterations")]
    public int NumIterations { get; init => field = AtLeast(value, 1, "num_iterations"); } = 1;

    // ---- optimizer -------------------------------------------------------------------------------------------

    /// <summary>AdamW learning rate. TRL 1e-6 (:418); verl actor.optim.lr 1e-6; public setup 1e-6.</summary>
    [JsonPropertyName("learning_rate")]
    public double LearningRate { get; init => field = Positive(value, "learning_rate"); } = 1e-6;

    /// <summary>AdamW β1. TrainingArguments 0.9; verl 0.9.</summary>
    [JsonPropertyName("adam_beta1")]
    public double AdamBeta1 { get; init => field = InRangeOpen(value, "adam_beta1"); } = 0.9;

    /// <summary>AdamW β2. TrainingArguments 0.999; verl 0.999.</summary>
    [JsonPropertyName("adam_beta2")]
    public double AdamBeta2 { get; init => field = InRangeOpen(value, "adam_beta2"); } = 0.999;

    /// <summary>AdamW ε. TrainingArguments 1e-8; verl 1e-8.</summary>
    [JsonPropertyName("adam_epsilon")]
    public double AdamEpsilon { get; init => field = Positive(value, "adam_epsilon"); } = 1e-8;

    /// <summary>Decoupled weight decay. TrainingArguments 0.0; verl actor.optim.weight_decay 0.01.</summary>
    [JsonPropertyName("weight_decay")]
    public double WeightDecay { get; init => field = NonNegative(value, "weight_decay"); } = 0.0;

    /// <summary>Global gradient-norm clip; 0 = off. TrainingArguments 1.0; verl actor.grad_clip 1.0.</summary>
    [JsonPropertyName("max_grad_norm")]
    public double MaxGradNorm { get; init => field = NonNegative(value, "max_grad_norm"); } = 1.0;

    /// <summary>
    /// Micro-batches per optimizer step (GA): the step's completions split into this many forward/backward passes
    /// (TRL's per-device batches), whose losses add up to the loss of the batch taken at once. At most
    /// prompts_per_step × num_generations. TrainingArguments 1.
    /// </summary>
    [JsonPropertyName("gradient_accumulation_steps")]
    public int GradientAccumulationSteps { get; init => field = AtLeast(value, 1, "gradient_accumulation_steps"); } = 1;

    /// <summary>
    /// Recompute each decoder layer's activations in the backward instead of keeping them (transformers'
    /// `gradient_checkpointing_enable()`; verl `actor.model.enable_gradient_checkpointing`): activation memory of one
    /// hidden state per layer, one more forward pass per micro-batch, the same gradients. TrainingArguments false (TRL's
    /// configs override it with true; the CPU presets' activations are small, so the default here stays false).
    /// </summary>
    [JsonPropertyName("gradient_checkpointing")]
    public bool GradientCheckpointing { get; init; }

    // ---- schedule and bookkeeping ----------------------------------------------------------------------------

    /// <summary>Passes over the prompts. TrainingArguments 3.0; public setup total_epochs 10.</summary>
    [JsonPropertyName("num_train_epochs")]
    public double NumTrainEpochs { get; init => field = Positive(value, "num_train_epochs"); } = 3.0;

    /// <summary>Optimizer steps; −1 = derive from num_train_epochs. TrainingArguments −1.</summary>
    [JsonPropertyName("max_steps")]
    public int MaxSteps { get; init => field = AtLeast(value, -1, "max_steps"); } = -1;

    /// <summary>RNG seed for sampling and shuffling. TrainingArguments 42.</summary>
    [JsonPropertyName("seed")]
    public int Seed { get; init; } = 42;

    /// <summary>Log metrics every N steps. TRL 10 (overrides TrainingArguments' 500).</summary>
    [JsonPropertyName("logging_steps")]
    public int LoggingSteps { get; init => field = AtLeast(value, 1, "logging_steps"); } = 10;

    /// <summary>Evaluate every N steps; null = never (TRL eval_strategy "no"). Public setup test_freq 5.</summary>
    [JsonPropertyName("eval_steps")]
    public int? EvalSteps { get; init => field = value is null ? null : AtLeast(value.Value, 1, "eval_steps"); }

    /// <summary>Checkpoint every N steps; null = never. TrainingArguments 500.</summary>
    [JsonPropertyName("save_steps")]
    public int? SaveSteps { get; init => field = value is null ? null : AtLeast(value.Value, 1, "save_steps"); } = 500;

    // ---- derived ---------------------------------------------------------------------------------------------

    /// <summary>ε_high with TRL's fallback to ε_low (grpo_trainer.py: `epsilon_high if not None else epsilon`).</summary>
    [JsonIgnore]
    public double EffectiveEpsilonHigh => EpsilonHigh ?? EpsilonLow;

    /// <summary>Completions per optimizer step: prompts_per_step × num_generations.</summary>
    [JsonIgnore]
    public int CompletionsPerStep => PromptsPerStep * NumGenerations;

    /// <summary>
    /// The checks that involve two fields, which a setter cannot make (the other may be set after it): run after JSON
    /// is read and when a trainer starts.
    /// </summary>
    public void CheckCombinations()
    {
        if (GradientAccumulationSteps > CompletionsPerStep)
            throw new ReproException($"grpo option gradient_accumulation_steps ({GradientAccumulationSteps}) exceeds the completions of a step " +
                $"(prompts_per_step × num_generations = {CompletionsPerStep}): each micro-batch holds at least one completion");
    }

    void IJsonOnDeserialized.OnDeserialized() => CheckCombinations();

    // ---- JSON ------------------------------------------------------------------------------------------------

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        RespectNullableAnnotations = true,
    };

    /// <summary>Options from JSON text (snake_case keys; absent keys keep their defaults; unknown keys are errors).</summary>
    public static GrpoOptions FromJson(string json, string source = "grpo options")
    {
        try
        {
            return JsonSerializer.Deserialize<GrpoOptions>(json, Json)
                   ?? throw new ReproException($"{source}: expected a JSON object, got null");
        }
        catch (JsonException e)
        {
            throw new ReproException($"{source}: {e.Message}", e);
        }
        catch (ReproException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw new ReproException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>Options from a JSON file.</summary>
    public static GrpoOptions Load(string path)
    {
        if (!File.Exists(path)) throw ReproException.ForFile(path, "not found");
        return FromJson(File.ReadAllText(path), path);
    }

    /// <summary>These options as JSON, every field written.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    // ---- checks ----------------------------------------------------------------------------------------------

    private static int AtLeast(int v, int min, string name) =>
        v >= min ? v : throw new ReproException($"grpo option {name} must be >= {min}, got {v}");

    private static double Finite(double v, string name) =>
        double.IsFinite(v) ? v : throw new ReproException($"grpo option {name} must be finite, got {v}");

    private static double NonNegative(double v, string name) =>
        double.IsFinite(v) && v >= 0 ? v : throw new ReproException($"grpo option {name} must be finite and >= 0, got {v}");

    private static double Positive(double v, string name) =>
        double.IsFinite(v) && v > 0 ? v : throw new ReproException($"grpo option {name} must be finite and > 0, got {v}");

    private static double Greater(double v, double min, string name) =>
        double.IsFinite(v) && v > min ? v : throw new ReproException($"grpo option {name} must be finite and > {min}, got {v}");

    private static double InRange(double v, double lo, double hi, string name) =>
        v >= lo && v <= hi ? v : throw new ReproException($"grpo option {name} must be in [{lo}, {hi}], got {v}");

    private static double InRangeOpen(double v, string name) =>
        v >= 0 && v < 1 ? v : throw new ReproException($"grpo option {name} must be in [0, 1), got {v}");

    private static T Defined<T>(T v, string name) where T : struct, Enum =>
        Enum.IsDefined(v) ? v : throw new ReproException($"grpo option {name} has no value {v}");
}
