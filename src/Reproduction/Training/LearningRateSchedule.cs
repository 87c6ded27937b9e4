namespace Reproduction.Training;

/// <summary>
/// Learning-rate schedules as Hugging Face `get_scheduler` computes them (transformers/optimization.py):
/// a linear warm-up from 0 over <see cref="WarmupSteps"/> optimizer steps, then constant, linear decay
/// to 0, or half-cosine decay to 0 at <see cref="TotalSteps"/>. <c>At(step)</c> is the rate used for the
/// optimizer step that follows <paramref name="step"/> completed steps (the lambda HF's LambdaLR applies).
/// </summary>
public sealed record LearningRateSchedule(string Kind, double BaseLearningRate, int WarmupSteps, int TotalSteps)
{
    public static readonly string[] Kinds = ["constant", "constant_with_warmup", "linear", "cosine"];

    /// <summary>HF TrainingArguments.get_warmup_steps: ceil(warmup_ratio × total steps).</summary>
    public static int WarmupStepsFromRatio(double warmupRatio, int totalSteps) =>
        warmupRatio <= 0 ? 0 : (int)Math.Ceiling(warmupRatio * totalSteps);

    public LearningRateSchedule Validated()
    {
        if (!Kinds.Contains(Kind)) throw new ReproException($"lr_scheduler_type: unknown schedule '{Kind}' (expected one of {string.Join(", ", Kinds)})");
        if (!(BaseLearningRate >= 0) || double.IsInfinity(BaseLearningRate)) throw new ReproException($"learning_rate: must be a finite non-negative number, got {BaseLearningRate}");
        if (WarmupSteps < 0 || TotalSteps < 0) throw new ReproException($"warmup/total steps must be non-negative, got {WarmupSteps}/{TotalSteps}");
        return this;
    }

    public double At(int step)
    {
        if (Kind == "constant") return BaseLearningRate;
        if (step < WarmupSteps) return BaseLearningRate * step / Math.Max(1, WarmupSteps);
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return Kind switch
        {
            "constant_with_warmup" => BaseLearningRate,
            "linear" => BaseLearningRate * Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps)),
            // num_cycles = 0.5: max(0, 0.5·(1 + cos(π · 2 · 0.5 · progress)))
            "cosine" => BaseLearningRate * Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * progress))),
            _ => throw new ReproException($"lr_scheduler_type: unknown schedule '{Kind}'"),
        };
    }
}
