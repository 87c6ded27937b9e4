using System.Globalization;
using Reproduction.Grpo;
using Reproduction.Sft;

namespace Reproduction.Experiments.Verl;

/// <summary>One Hydra override on verl's command line: <c>key=value</c>.</summary>
public sealed record VerlOverride(string Key, string Value)
{
    public override string ToString() => $"{Key}={Value}";
}

/// <summary>What the GRPO mapping needs beyond the options: the stage's step cap and the evaluation sampling.</summary>
public sealed record VerlRlStage(int TotalTrainingSteps, EvalSpec Eval);

/// <summary>
/// One option field and how verl spells it: the verl key(s), the TRL name, the semantic difference in words,
/// the overrides it becomes, and, for a value verl cannot express, why (null when it maps exactly enough).
/// </summary>
public sealed record VerlFieldMapping<TOptions, TContext>(
    string Field,
    string VerlKey,
    string TrlName,
    string Difference,
    Func<TOptions, TContext, IEnumerable<VerlOverride>> Map,
    Func<TOptions, string?>? Unsupported = null);

/// <summary>
/// The one place our hyper-parameters meet verl's config keys: every <see cref="GrpoOptions"/> field ↔
/// <c>verl.trainer.main_ppo</c> (ppo_trainer.yaml: <c>actor_rollout_ref.*</c>, <c>algorithm.*</c>, <c>data.*</c>,
/// <c>trainer.*</c>) and every <see cref="SftOptions"/> field ↔ <c>verl.trainer.fsdp_sft_trainer</c> (sft_trainer.yaml:
/// <c>data.*</c>, <c>optim.*</c>, <c>trainer.*</c>, <c>model.*</c>). <see cref="VerlScripts"/> writes the overrides
/// built here; the tables of docs/options.md say the same in words (a test checks every option has an entry).
/// Key names as in verl's ppo_trainer.yaml / sft_trainer.yaml (volcengine/verl, 2025); differences in core_algos.py
/// at b178a3c as cited in <see cref="GrpoOptions"/>.
/// </summary>
public static class VerlConfigMapping
{
    private const string Actor = "actor_rollout_ref.actor";
    private const string Rollout = "actor_rollout_ref.rollout";

    /// <summary>A number as Hydra reads it: invariant, always with a decimal point (1e-06 → 0.000001), never exponent-only.</summary>
    public static string Number(double v) => v.ToString("0.0###########################", CultureInfo.InvariantCulture);

    public static string Int(long v) => v.ToString(CultureInfo.InvariantCulture);

    public static string Bool(bool v) => v ? "True" : "False";

    private static IEnumerable<VerlOverride> One(string key, string value) => [new VerlOverride(key, value)];

    private static IEnumerable<VerlOverride> None => [];

    /// <summary>verl's name for each loss aggregation (core_algos.py agg_loss); TRL's names fold onto the nearest.</summary>
    public static string LossAggMode(LossType t) => t switch
    {
        LossType.TokenMean or LossType.Dapo or LossType.Bnpo => "token-mean",
        LossType.SeqMeanTokenSum => "seq-mean-token-sum",
        LossType.SeqMeanTokenMean or LossType.Grpo => "seq-mean-token-mean",
        LossType.DrGrpo => "seq-mean-token-sum-norm",
        _ => throw new ReproException($"verl mapping: unknown loss_type {t}"),
    };

    /// <summary>verl kl_loss_type for each estimator (core_algos.py kl_penalty): k1 "kl", k2 "mse", k3 and low_var_kl "low_var_kl".</summary>
    public static string KlLossType(KlEstimatorKind k) => k switch
    {
        KlEstimatorKind.K1 => "kl",
        KlEstimatorKind.K2 => "mse",
        KlEstimatorKind.K3 or KlEstimatorKind.LowVarKl => "low_var_kl",
        _ => throw new ReproException($"verl mapping: unknown kl_estimator {k}"),
    };

    /// <summary>verl disables the dual clip only by a bound no ratio reaches; null (off) becomes this.</summary>
    public const double DualClipOff = 10000.0;

    /// <summary>verl's hard-coded advantage epsilon (core_algos.py:271) and log-ratio clamp (core_algos.py:1212).</summary>
    public const double VerlAdvantageEpsilon = 1e-6, VerlLogRatioClamp = 20.0;

    public static IReadOnlyList<VerlFieldMapping<GrpoOptions, VerlRlStage>> Grpo { get; } =
    [
        new("num_generations", $"{Rollout}.n", "num_generations", "", (o, _) => One($"{Rollout}.n", Int(o.NumGenerations))),
        new("prompts_per_step", "data.train_batch_size, actor.ppo_mini_batch_size", "generation_batch_size / num_generations",
            "One optimizer step per rollout batch: the mini-batch is the whole batch (verl counts both in prompts).",
            (o, _) => [new("data.train_batch_size", Int(o.PromptsPerStep)), new($"{Actor}.ppo_mini_batch_size", Int(o.PromptsPerStep))]),
        new("temperature", $"{Rollout}.temperature", "temperature", "", (o, _) => One($"{Rollout}.temperature", Number(o.Temperature))),
        new("top_p", $"{Rollout}.top_p", "top_p", "", (o, _) => One($"{Rollout}.top_p", Number(o.TopP))),
        new("top_k", $"{Rollout}.top_k", "top_k", "0 (off) here is −1 in verl.", (o, _) => One($"{Rollout}.top_k", Int(o.TopK == 0 ? -1 : o.TopK))),
        new("max_prompt_length", "data.max_prompt_length", "none (v1.9.0)", "Over-long prompts are filtered, cut or refused as truncation and filter_overlong_prompts say.",
            (o, _) => One("data.max_prompt_length", Int(o.MaxPromptLength))),
        new("truncation", "data.truncation", "none", "verl refuses an over-long prompt when it is drawn, here when the trainer is built.",
            (o, _) => One("data.truncation", o.Truncation.ToString().ToLowerInvariant())),
        new("filter_overlong_prompts", "data.filter_overlong_prompts", "none", "", (o, _) => One("data.filter_overlong_prompts", Bool(o.FilterOverlongPrompts))),
        new("max_completion_length", "data.max_response_length", "max_completion_length", "", (o, _) => One("data.max_response_length", Int(o.MaxCompletionLength))),
        new("mask_truncated_completions", "none", "mask_truncated_completions", "verl has no such switch.", (_, _) => None,
            o => o.MaskTruncatedCompletions ? "mask_truncated_completions=true has no verl equivalent (truncated completions keep their loss)" : null),
        new("reward_weights", "none (one reward function)", "reward_weights", "The exported module returns one score.", (_, _) => None,
            o => o.RewardWeights is { Count: > 0 } w && w.Any(x => x != 1.0) ? "reward_weights: verl takes one reward function; weights are not exported" : null),
        new("scale_rewards", "algorithm.norm_adv_by_std_in_grpo", "scale_rewards", "group = True, none = False; verl has no batch std.",
            (o, _) => One("algorithm.norm_adv_by_std_in_grpo", Bool(o.ScaleRewards != ScaleRewards.None)),
            o => o.ScaleRewards == ScaleRewards.Batch ? "scale_rewards=batch has no verl equivalent: exported as the group std" : null),
        new("advantage_epsilon", "none (hard-coded 1e-6, core_algos.py:271)", "none (hard-coded 1e-4)", "Added to the std. verl's is fixed at 1e-6.",
            (_, _) => None, o => o.AdvantageEpsilon != VerlAdvantageEpsilon ? $"advantage_epsilon={o.AdvantageEpsilon}: verl's is fixed at 1e-6" : null),
        new("loss_type", $"{Actor}.loss_agg_mode", "loss_type",
            "dapo and bnpo → token-mean, grpo → seq-mean-token-mean, dr_grpo → seq-mean-token-sum-norm; token-mean normalises by the global token count across data-parallel ranks.",
            (o, _) => One($"{Actor}.loss_agg_mode", LossAggMode(o.LossType))),
        new("beta", $"{Actor}.use_kl_loss, {Actor}.kl_loss_coef", "beta", "beta = 0: no KL loss and no reference model (use_kl_loss False). KL in the loss, never in the reward.",
            (o, _) => [new($"{Actor}.use_kl_loss", Bool(o.Beta > 0)), new($"{Actor}.kl_loss_coef", Number(o.Beta)), new("algorithm.use_kl_in_reward", "False")]),
        new("kl_estimator", $"{Actor}.kl_loss_type", "none (always k3)",
            "k1 → kl, k2 → mse, k3 and low_var_kl → low_var_kl. verl clamps low_var_kl to [−10, 10]; TRL's k3 is unclamped.",
            (o, _) => One($"{Actor}.kl_loss_type", KlLossType(o.KlEstimator)),
            o => o.KlEstimator == KlEstimatorKind.K3 && o.Beta > 0 ? "kl_estimator=k3 is unclamped here; verl's low_var_kl clamps to [-10, 10]" : null),
        new("use_bias_correction_kl", "none", "use_bias_correction_kl", "", (_, _) => None,
            o => o.UseBiasCorrectionKl ? "use_bias_correction_kl has no verl equivalent" : null),
        new("epsilon_low", $"{Actor}.clip_ratio_low", "epsilon", "", (o, _) => One($"{Actor}.clip_ratio_low", Number(o.EpsilonLow))),
        new("epsilon_high", $"{Actor}.clip_ratio_high", "epsilon_high", "null = epsilon_low.", (o, _) => One($"{Actor}.clip_ratio_high", Number(o.EffectiveEpsilonHigh))),
        new("delta", "none", "delta", "TRL's two-sided clip is not verl's dual clip.", (_, _) => None,
            o => o.Delta is not null ? "delta (TRL's two-sided clip) has no verl equivalent" : null),
        new("clip_ratio_c", $"{Actor}.clip_ratio_c", "none", $"verl's dual clip is on by default (3.0); null (off) is exported as {DualClipOff}, a bound no ratio reaches.",
            (o, _) => One($"{Actor}.clip_ratio_c", Number(o.ClipRatioC ?? DualClipOff))),
        new("log_ratio_clamp", "none (hard-coded ±20, core_algos.py:1212)", "none", "verl always clamps logp − old_logp to ±20.", (_, _) => None,
            o => o.LogRatioClamp is { } c && c != VerlLogRatioClamp ? $"log_ratio_clamp={c}: verl's is fixed at 20" : null),
        new("num_iterations", $"{Actor}.ppo_epochs", "num_iterations", "", (o, _) => One($"{Actor}.ppo_epochs", Int(o.NumIterations))),
        new("learning_rate", $"{Actor}.optim.lr", "learning_rate", "Constant (verl's default warm-up 0).", (o, _) => One($"{Actor}.optim.lr", Number(o.LearningRate))),
        new("adam_beta1", $"{Actor}.optim.betas[0]", "adam_beta1", "", (o, _) => One($"{Actor}.optim.betas", $"[{Number(o.AdamBeta1)},{Number(o.AdamBeta2)}]")),
        new("adam_beta2", $"{Actor}.optim.betas[1]", "adam_beta2", "Written with adam_beta1 as one list.", (_, _) => None),
        new("adam_epsilon", "none (torch AdamW default 1e-8)", "adam_epsilon", "", (_, _) => None,
            o => o.AdamEpsilon != 1e-8 ? $"adam_epsilon={o.AdamEpsilon}: verl uses torch's default 1e-8" : null),
        new("weight_decay", $"{Actor}.optim.weight_decay", "weight_decay", "verl's default is 0.01; always written.", (o, _) => One($"{Actor}.optim.weight_decay", Number(o.WeightDecay))),
        new("max_grad_norm", $"{Actor}.grad_clip", "max_grad_norm", "", (o, _) => One($"{Actor}.grad_clip", Number(o.MaxGradNorm))),
        new("gradient_accumulation_steps", $"{Actor}.ppo_micro_batch_size_per_gpu", "gradient_accumulation_steps",
            "verl derives accumulation from mini-batch / (micro-batch × GPUs); the scripts compute MICRO_BATCH_SIZE_PER_GPU = prompts_per_step × num_generations / (gradient_accumulation_steps × GPUs).",
            (_, _) => None),
        new("gradient_checkpointing", "actor_rollout_ref.model.enable_gradient_checkpointing", "gradient_checkpointing", "",
            (o, _) => One("actor_rollout_ref.model.enable_gradient_checkpointing", Bool(o.GradientCheckpointing))),
        new("num_train_epochs", "trainer.total_epochs", "num_train_epochs", "Rounded up; the step cap below ends the stage.",
            (o, _) => One("trainer.total_epochs", Int((long)Math.Ceiling(o.NumTrainEpochs)))),
        new("max_steps", "trainer.total_training_steps", "max_steps", "The stage's cap (rl_stage.max_steps); verl has no reward-plateau stop, so RL-then-SFT's RL stage runs to the cap.",
            (_, s) => One("trainer.total_training_steps", Int(s.TotalTrainingSteps))),
        new("seed", "data.seed", "seed", "verl seeds the data order; rollout sampling seeds are the engine's.", (o, _) => One("data.seed", Int(o.Seed))),
        new("logging_steps", "none (every step)", "logging_steps", "verl logs every step.", (_, _) => None),
        new("eval_steps", "trainer.test_freq", "eval_steps",
            "null = the last step only (verl validates the last step only when test_freq > 0); validation also runs before training (val_before_train) for the base point.",
            (o, s) => [new("trainer.test_freq", Int(o.EvalSteps ?? s.TotalTrainingSteps)), new("trainer.val_before_train", "True")]),
        new("save_steps", "trainer.save_freq", "save_steps", "null = save only at the last step (the next stage starts from it); verl saves nothing with −1.",
            (o, s) => One("trainer.save_freq", Int(o.SaveSteps ?? s.TotalTrainingSteps))),
    ];

    public static IReadOnlyList<VerlFieldMapping<SftOptions, object?>> Sft { get; } =
    [
        new("num_train_epochs", "trainer.total_epochs", "num_train_epochs", "", (o, _) => One("trainer.total_epochs", Int(o.NumTrainEpochs))),
        new("max_steps", "trainer.total_training_steps", "max_steps", "−1 = null (from the epochs).",
            (o, _) => o.MaxSteps > 0 ? One("trainer.total_training_steps", Int(o.MaxSteps)) : None),
        new("learning_rate", "optim.lr", "learning_rate", "", (o, _) => One("optim.lr", Number(o.LearningRate))),
        new("lr_scheduler_type", "optim.lr_scheduler", "lr_scheduler_type", "verl has cosine and wsd; cosine decays to 0 after a linear warm-up, as here.",
            (o, _) => One("optim.lr_scheduler", "cosine"),
            o => o.LrSchedulerType != "cosine" ? $"lr_scheduler_type={o.LrSchedulerType}: verl's SFT trainer has cosine and wsd only; exported as cosine" : null),
        new("warmup_ratio", "optim.warmup_steps_ratio", "warmup_ratio", "", (o, _) => One("optim.warmup_steps_ratio", Number(o.WarmupRatio))),
        new("adam_beta1", "optim.betas[0]", "adam_beta1", "verl's default betas are (0.9, 0.95); always written.", (o, _) => One("optim.betas", $"[{Number(o.AdamBeta1)},{Number(o.AdamBeta2)}]")),
        new("adam_beta2", "optim.betas[1]", "adam_beta2", "Written with adam_beta1 as one list.", (_, _) => None),
        new("adam_epsilon", "none (torch AdamW default 1e-8)", "adam_epsilon", "", (_, _) => None,
            o => o.AdamEpsilon != 1e-8 ? $"adam_epsilon={o.AdamEpsilon}: verl uses torch's default 1e-8" : null),
        new("weight_decay", "optim.weight_decay", "weight_decay", "verl's default is 0.01; always written.", (o, _) => One("optim.weight_decay", Number(o.WeightDecay))),
        new("max_grad_norm", "optim.clip_grad", "max_grad_norm", "", (o, _) => One("optim.clip_grad", Number(o.MaxGradNorm))),
        new("per_device_train_batch_size", "data.micro_batch_size_per_gpu", "per_device_train_batch_size",
            "verl's batch is global: data.train_batch_size = per_device_train_batch_size × gradient_accumulation_steps (our one device), split over the GPUs.",
            (o, _) => [new("data.train_batch_size", Int(o.PerDeviceTrainBatchSize * o.GradientAccumulationSteps)), new("data.micro_batch_size_per_gpu", Int(o.PerDeviceTrainBatchSize))]),
        new("gradient_accumulation_steps", "data.train_batch_size / (micro_batch_size_per_gpu × GPUs)", "gradient_accumulation_steps",
            "Folded into data.train_batch_size above; verl averages the token-mean loss per micro-batch, here over the whole accumulated batch.", (_, _) => None),
        new("per_device_eval_batch_size", "none (validation uses micro_batch_size_per_gpu)", "per_device_eval_batch_size",
            "verl's val/loss is the mean of per-micro-batch token means, here the mean over all completion tokens.", (_, _) => None),
        new("max_length", "data.max_length", "max_length", "data.truncation=error: a longer example stops the run instead of being cut.",
            (o, _) => [new("data.max_length", Int(o.MaxLength)), new("data.truncation", "error")]),
        new("completion_only_loss", "none (verl's SFT dataset always masks the prompt)", "completion_only_loss", "", (_, _) => None,
            o => !o.CompletionOnlyLoss ? "completion_only_loss=false: verl's SFT trainer always masks the prompt" : null),
        new("packing", "none (no packing)", "packing", "", (_, _) => None),
        new("seed", "trainer.seed", "seed", "", (o, _) => One("trainer.seed", Int(o.Seed))),
        new("dtype", "model.fsdp_config.model_dtype", "none (torch_dtype)", "float32 → fp32, bfloat16 → bf16 (absent: the preset's model.dtype); FSDP keeps fp32 master weights for bf16, as our AdamW does.",
            (o, _) => One("model.fsdp_config.model_dtype", o.Dtype switch { "bfloat16" => "bf16", _ => "fp32" }),
            o => o.Dtype == "float64" ? "dtype=float64: verl trains in fp32 or bf16; exported as fp32" : null),
        new("eval_steps", "trainer.test_freq", "eval_steps", "0 = −1 (validation after each epoch only).", (o, _) => One("trainer.test_freq", Int(o.EvalSteps > 0 ? o.EvalSteps : -1))),
        new("save_steps", "trainer.save_freq", "save_steps", "0 = −1 (verl saves the last step anyway).", (o, _) => One("trainer.save_freq", Int(o.SaveSteps > 0 ? o.SaveSteps : -1))),
        new("logging_steps", "none (every step)", "logging_steps", "verl logs every step.", (_, _) => None),
        new("skip_nonfinite", "none", "none", "verl does not skip non-finite steps.", (_, _) => None,
            o => o.SkipNonFinite ? "skip_nonfinite has no verl equivalent" : null),
        new("gradient_checkpointing", "model.enable_gradient_checkpointing", "gradient_checkpointing", "",
            (o, _) => One("model.enable_gradient_checkpointing", Bool(o.GradientCheckpointing))),
    ];

    /// <summary>The <c>main_ppo</c> overrides for these options (GRPO with our reward; data, model and hardware come from the script).</summary>
    public static IReadOnlyList<VerlOverride> GrpoOverrides(GrpoOptions o, VerlRlStage stage) =>
    [
        new("algorithm.adv_estimator", "grpo"),
        .. Grpo.SelectMany(m => m.Map(o, stage)),
        new($"{Actor}.entropy_coeff", "0.0"),
        new($"{Rollout}.val_kwargs.do_sample", "True"),
        new($"{Rollout}.val_kwargs.n", "1"),
        new($"{Rollout}.val_kwargs.temperature", Number(stage.Eval.Temperature)),
        new($"{Rollout}.val_kwargs.top_p", Number(stage.Eval.TopP)),
        new($"{Rollout}.val_kwargs.top_k", "-1"),
    ];

    /// <summary>The <c>fsdp_sft_trainer</c> overrides for these options (data and model paths come from the script).</summary>
    public static IReadOnlyList<VerlOverride> SftOverrides(SftOptions o) =>
    [
        new("data.prompt_key", "instruction"),
        new("data.response_key", "output"),
        .. Sft.SelectMany(m => m.Map(o, null)),
    ];

    /// <summary>Every set value that verl cannot express, in words (empty when the export is faithful up to the documented differences).</summary>
    public static IReadOnlyList<string> Unsupported(GrpoOptions grpo, SftOptions sft) =>
    [
        .. Grpo.Select(m => m.Unsupported?.Invoke(grpo)).OfType<string>().Select(s => $"grpo: {s}"),
        .. Sft.Select(m => m.Unsupported?.Invoke(sft)).OfType<string>().Select(s => $"sft: {s}"),
    ];
}
