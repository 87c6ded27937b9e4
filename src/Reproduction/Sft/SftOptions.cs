using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reproduction.Sft;

/// <summary>
/// SFT hyper-parameters with Hugging Face TrainingArguments / TRL SFTConfig names. Defaults are the public
/// CoLA setup's (LLaMA-Factory `sft_qwen3_0.6b.yaml`: 2 epochs, lr 1e-5, cosine, warm-up 0.01, batch 16 × 8
/// accumulation, cutoff 512), TRL's where that setup is silent. Validated once, at construction.
/// </summary>
public sealed record SftOptions
{
    [JsonPropertyName("num_train_epochs")] public int NumTrainEpochs { get; init; } = 2;                    // paper §5: 2 epochs
    [JsonPropertyName("max_steps")] public int MaxSteps { get; init; } = -1;                                // HF: -1 = use epochs
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 1e-5;                   // public setup
    [JsonPropertyName("lr_scheduler_type")] public string LrSchedulerType { get; init; } = "cosine";        // public setup
    [JsonPropertyName("warmup_ratio")] public double WarmupRatio { get; init; } = 0.01;                     // public setup
    [JsonPropertyName("adam_beta1")] public double AdamBeta1 { get; init; } = 0.9;                          // HF default
    [JsonPropertyName("adam_beta2")] public double AdamBeta2 { get; init; } = 0.999;                        // HF default
    [JsonPropertyName("adam_epsilon")] public double AdamEpsilon { get; init; } = 1e-8;                     // HF default
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 0.0;                      // HF default
    [JsonPropertyName("max_grad_norm")] public double MaxGradNorm { get; init; } = 1.0;                     // HF default
    [JsonPropertyName("per_device_train_batch_size")] public int PerDeviceTrainBatchSize { get; init; } = 16; // public setup
    [JsonPropertyName("gradient_accumulation_steps")] public int GradientAccumulationSteps { get; init; } = 8; // public setup
    [JsonPropertyName("per_device_eval_batch_size")] public int PerDeviceEvalBatchSize { get; init; } = 32;
    [JsonPropertyName("max_length")] public int MaxLength { get; init; } = 512;                             // public setup cutoff_len
    [JsonPropertyName("completion_only_loss")] public bool CompletionOnlyLoss { get; init; } = true;       // prompt tokens masked
    [JsonPropertyName("packing")] public bool Packing { get; init; }                                        // off, as TRL's default
    [JsonPropertyName("seed")] public long Seed { get; init; } = 42;                                        // HF default
    /// <summary>The dtype the weights train in (HF name); the trainer refuses a model in another. null = the model's own.</summary>
    [JsonPropertyName("dtype")] public string? Dtype { get; init; }
    [JsonPropertyName("eval_steps")] public int EvalSteps { get; init; } = 50;
    [JsonPropertyName("save_steps")] public int SaveSteps { get; init; } = 0;                               // 0 = only at the end
    [JsonPropertyName("logging_steps")] public int LoggingSteps { get; init; } = 1;
    [JsonPropertyName("skip_nonfinite")] public bool SkipNonFinite { get; init; }
    /// <summary>TrainingArguments' switch: recompute each decoder layer in the backward (less memory, one more forward; same gradients).</summary>
    [JsonPropertyName("gradient_checkpointing")] public bool GradientCheckpointing { get; init; }

    public SftOptions Validated(string source = "sft options")
    {
        void Require(bool ok, string field, string why) { if (!ok) throw new ReproException($"{source}: {field}: {why}"); }
        Require(NumTrainEpochs >= 1 || MaxSteps > 0, "num_train_epochs", "must be ≥ 1 unless max_steps is set");
        Require(LearningRate >= 0 && double.IsFinite(LearningRate), "learning_rate", "must be finite and ≥ 0");
        Require(WarmupRatio is >= 0 and <= 1, "warmup_ratio", "must lie in [0, 1]");
        Require(AdamBeta1 is >= 0 and < 1 && AdamBeta2 is >= 0 and < 1, "adam_beta1/adam_beta2", "must lie in [0, 1)");
        Require(AdamEpsilon > 0, "adam_epsilon", "must be > 0");
        Require(MaxGradNorm > 0, "max_grad_norm", "must be > 0");
        Require(PerDeviceTrainBatchSize >= 1 && GradientAccumulationSteps >= 1 && PerDeviceEvalBatchSize >= 1, "batch sizes", "must be ≥ 1");
        Require(MaxLength >= 2, "max_length", "must be ≥ 2");
        Require(!Packing, "packing", "is not supported (the paper's setup does not pack)");
        Require(Dtype is null || IO.DtypeNames.TrainingNames.Contains(Dtype), "dtype",
            $"'{Dtype}' is not accepted: {string.Join(", ", IO.DtypeNames.TrainingNames)}, or leave it out (the model's own dtype)");
        Require(EvalSteps >= 0 && SaveSteps >= 0 && LoggingSteps >= 1, "eval_steps/save_steps/logging_steps", "must be ≥ 0 (logging ≥ 1)");
        try
        {
            _ = new Training.LearningRateSchedule(LrSchedulerType, LearningRate, 0, 1).Validated();
        }
        catch (ReproException e)
        {
            throw new ReproException($"{source}: {e.Message}", e);
        }
        return this;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, ReadCommentHandling = JsonCommentHandling.Skip,
        RespectNullableAnnotations = true, // "lr_scheduler_type": null is an error, not a null string
    };

    public static SftOptions Load(string path)
    {
        if (!File.Exists(path)) throw ReproException.ForFile(path, "SFT options file not found");
        try { return (JsonSerializer.Deserialize<SftOptions>(File.ReadAllText(path), Json) ?? throw ReproException.ForFile(path, "empty")).Validated(path); }
        catch (JsonException e) { throw ReproException.ForFile(path, $"invalid SFT options: {e.Message}"); }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
