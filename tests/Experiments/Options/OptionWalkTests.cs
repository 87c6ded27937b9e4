using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Reproduction;
using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Sft;
using Reproduction.Training;
using Repro.Tests.Grpo;
using Repro.Tests.Sft;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Options;

/// <summary>
/// No setting silently does nothing: every option of <see cref="SftOptions"/> and <see cref="GrpoOptions"/> (each
/// property with a JSON name, found by reflection) is changed to another valid value on a run of a few steps of a tiny
/// random Qwen3, and what it says it changes must change: the weights, a logged metric, the steps, the log, the
/// checkpoints, the evaluation points, or the run's acceptance. An option that changes nothing a run can show (how the
/// evaluation is chunked) is listed as such with the reason, and its invariance is checked instead. A new option
/// without an entry fails <see cref="Every_option_is_walked"/>.
/// </summary>
public sealed class OptionWalkTests
{
    /// <summary>What one run shows: final weights, per-step metrics, the steps in metrics.jsonl, checkpoints, evaluation points, or the refusal.</summary>
    public sealed record Run(string Weights, IReadOnlyList<IReadOnlyDictionary<string, double>> Steps, IReadOnlyList<long> Logged,
        IReadOnlyList<string> Checkpoints, IReadOnlyList<long> Evaluations, string? Refused, IReadOnlyList<bool>? Checkpointing = null);

    /// <summary>A part of a run an option is expected to change.</summary>
    public sealed record Observable(string What, Func<Run, string> Of);

    /// <summary>One option: its change, the run it is changed from (the baseline when null), and what must differ.</summary>
    /// <param name="Same">Documented as changing nothing observable; the reason. The observable must then stay the same.</param>
    /// <param name="PoisonedModel">Start from a model holding a NaN weight (for options about non-finite steps).</param>
    public sealed record Entry<T>(Func<T, T> Change, Observable Observe, Func<T, T>? From = null, string? Same = null, bool PoisonedModel = false);

    private static readonly Observable Weights = new("the trained weights", r => r.Weights);
    private static readonly Observable StepCount = new("the number of steps", r => r.Steps.Count.ToString());
    private static readonly Observable LoggedSteps = new("the steps written to metrics.jsonl", r => string.Join(" ", r.Logged));
    private static readonly Observable Checkpoints = new("the checkpoints written", r => string.Join(" ", r.Checkpoints));
    private static readonly Observable Evaluations = new("the evaluation points", r => string.Join(" ", r.Evaluations));
    private static readonly Observable Acceptance = new("whether the run is accepted", r => r.Refused ?? "accepted");
    private static readonly Observable Checkpointing = new("the model's gradient checkpointing during each step",
        r => string.Join(" ", r.Checkpointing ?? []));

    private static Observable Metric(string key, string format = "R") => new($"the logged {key}",
        r => string.Join(" ", r.Steps.Select(s => s.TryGetValue(key, out var v) ? v.ToString(format) : "absent")));

    // ---- SFT ---------------------------------------------------------------------------------------------------------

    /// <summary>Three steps of 4 examples from 8, evaluated every 2 steps, the cosine schedule with a warm-up step.</summary>
    private static readonly SftOptions SftBaseline = new()
    {
        PerDeviceTrainBatchSize = 4, GradientAccumulationSteps = 1, MaxSteps = 3, LearningRate = 1e-2, WarmupRatio = 0.2,
        EvalSteps = 2, SaveSteps = 0, LoggingSteps = 1, Seed = 1, PerDeviceEvalBatchSize = 8,
    };

    private static readonly Dictionary<string, Entry<SftOptions>> Sft = new()
    {
        ["num_train_epochs"] = new(o => o with { NumTrainEpochs = 2 }, StepCount, From: o => o with { MaxSteps = -1, NumTrainEpochs = 1 }),
        ["max_steps"] = new(o => o with { MaxSteps = 2 }, StepCount),
        ["learning_rate"] = new(o => o with { LearningRate = 2e-2 }, Weights),
        ["lr_scheduler_type"] = new(o => o with { LrSchedulerType = "constant" }, Metric("lr")),
        ["warmup_ratio"] = new(o => o with { WarmupRatio = 0.6 }, Metric("lr")),
        ["adam_beta1"] = new(o => o with { AdamBeta1 = 0.5 }, Weights),
        ["adam_beta2"] = new(o => o with { AdamBeta2 = 0.9 }, Weights),
        ["adam_epsilon"] = new(o => o with { AdamEpsilon = 1.0 }, Weights),
        ["weight_decay"] = new(o => o with { WeightDecay = 0.1 }, Weights),
        ["max_grad_norm"] = new(o => o with { MaxGradNorm = 1e-4 }, Weights),
        ["per_device_train_batch_size"] = new(o => o with { PerDeviceTrainBatchSize = 2 }, Metric("tokens")),
        ["gradient_accumulation_steps"] = new(o => o with { GradientAccumulationSteps = 2 }, Metric("tokens")),
        ["per_device_eval_batch_size"] = new(o => o with { PerDeviceEvalBatchSize = 3 }, Metric("eval_ce", "F6"),
            Same: "it only chunks the evaluation's forward passes: the cross-entropy is the mean over all completion tokens whatever the chunks"),
        ["max_length"] = new(o => o with { MaxLength = 4 }, Metric("tokens")),
        ["completion_only_loss"] = new(o => o with { CompletionOnlyLoss = false }, Metric("tokens")),
        ["packing"] = new(o => o with { Packing = true }, Acceptance),
        ["seed"] = new(o => o with { Seed = 2 }, Weights),
        ["dtype"] = new(o => o with { Dtype = "bfloat16" }, Acceptance),
        ["eval_steps"] = new(o => o with { EvalSteps = 1 }, Metric("eval_ce")),
        ["save_steps"] = new(o => o with { SaveSteps = 1 }, Checkpoints),
        ["logging_steps"] = new(o => o with { LoggingSteps = 2 }, LoggedSteps),
        ["skip_nonfinite"] = new(o => o with { SkipNonFinite = true }, Acceptance, PoisonedModel: true),
        ["gradient_checkpointing"] = new(o => o with { GradientCheckpointing = true }, Checkpointing),
    };

    private static readonly List<SftExample> SftData = ToyTask.Examples().Where((_, i) => i % 4 == 1).ToList();

    private static Run RunSft(SftOptions options, bool poisoned)
    {
        var model = ToyTask.Model(seed: 11);
        if (poisoned) using (torch.no_grad()) model.parameters().Last().fill_(double.NaN);
        using var dir = new TempDir();
        var modes = new List<bool>();
        return Capture(dir.Path, model, modes, () =>
        {
            var steps = new SftTrainer(model, options, SftData, SftData, ToyTask.Pad)
                    { OutputDir = dir.Path, Metrics = new MetricsLog(dir.File("metrics.jsonl")), OnStep = _ => modes.Add(model.GradientCheckpointing) }
                .Train().Where(m => m.Step > 0).ToList();
            return (steps.Select(m => (IReadOnlyDictionary<string, double>)new Dictionary<string, double>
            {
                ["loss"] = m.Loss, ["lr"] = m.LearningRate, ["grad_norm"] = m.GradNorm, ["tokens"] = m.Tokens, ["skipped"] = m.Skipped ? 1 : 0,
                ["eval_ce"] = m.EvalCe ?? double.NaN,
            }.Where(kv => !double.IsNaN(kv.Value)).ToDictionary()).ToList(), []);
        });
    }

    // ---- GRPO --------------------------------------------------------------------------------------------------------

    /// <summary>Two steps of 2 prompts × 4 completions of up to 3 tokens, lr 1e-2, an evaluation only at the start.</summary>
    private static readonly GrpoOptions GrpoBaseline = new()
    {
        NumGenerations = 4, PromptsPerStep = 2, MaxCompletionLength = 3, LearningRate = 1e-2, MaxSteps = 2, Seed = 3,
        LoggingSteps = 1, EvalSteps = null, SaveSteps = null,
    };

    private static GrpoOptions Truncating(GrpoOptions o) => o with { MaxPromptLength = 2, Truncation = PromptTruncation.Left };
    private static GrpoOptions WithKl(GrpoOptions o) => o with { Beta = 0.5 };
    private static GrpoOptions ThreeIterations(GrpoOptions o) => o with { NumIterations = 3, LearningRate = 5e-2 };

    private static readonly Dictionary<string, Entry<GrpoOptions>> Grpo = new()
    {
        ["num_generations"] = new(o => o with { NumGenerations = 3 }, Weights),
        ["prompts_per_step"] = new(o => o with { PromptsPerStep = 3 }, Weights),
        ["temperature"] = new(o => o with { Temperature = 0.5 }, Weights),
        ["top_p"] = new(o => o with { TopP = 0.3 }, Weights),
        ["top_k"] = new(o => o with { TopK = 1 }, Weights),
        ["max_prompt_length"] = new(o => o with { MaxPromptLength = 2 }, Metric("prompt_length/max"), From: o => o with { Truncation = PromptTruncation.Left }),
        ["truncation"] = new(o => o with { Truncation = PromptTruncation.Right }, Weights, From: Truncating),
        ["filter_overlong_prompts"] = new(o => o with { FilterOverlongPrompts = true }, Weights, From: Truncating),
        ["max_completion_length"] = new(o => o with { MaxCompletionLength = 2 }, Weights),
        ["mask_truncated_completions"] = new(o => o with { MaskTruncatedCompletions = true }, Weights),
        ["reward_weights"] = new(o => o with { RewardWeights = [3.0] }, Metric("reward")),
        ["scale_rewards"] = new(o => o with { ScaleRewards = ScaleRewards.None }, Weights),
        ["advantage_epsilon"] = new(o => o with { AdvantageEpsilon = 10 }, Weights),
        ["loss_type"] = new(o => o with { LossType = LossType.Grpo }, Weights),
        ["beta"] = new(o => o with { Beta = 0.5 }, Weights),
        ["kl_estimator"] = new(o => o with { KlEstimator = KlEstimatorKind.K1 }, Weights, From: WithKl),
        ["use_bias_correction_kl"] = new(o => o with { UseBiasCorrectionKl = true }, Weights, From: WithKl),
        ["epsilon_low"] = new(o => o with { EpsilonLow = 0.001 }, Weights, From: ThreeIterations),
        ["epsilon_high"] = new(o => o with { EpsilonHigh = 0.001 }, Weights, From: ThreeIterations),
        ["delta"] = new(o => o with { Delta = 1.0001 }, Weights, From: ThreeIterations),
        ["clip_ratio_c"] = new(o => o with { ClipRatioC = 1.0001 }, Weights, From: ThreeIterations),
        ["log_ratio_clamp"] = new(o => o with { LogRatioClamp = 1e-4 }, Weights, From: ThreeIterations),
        ["num_iterations"] = new(o => o with { NumIterations = 2 }, Weights),
        ["learning_rate"] = new(o => o with { LearningRate = 2e-2 }, Weights),
        ["adam_beta1"] = new(o => o with { AdamBeta1 = 0.5 }, Weights),
        ["adam_beta2"] = new(o => o with { AdamBeta2 = 0.9 }, Weights),
        ["adam_epsilon"] = new(o => o with { AdamEpsilon = 1.0 }, Weights),
        ["weight_decay"] = new(o => o with { WeightDecay = 0.1 }, Weights),
        ["max_grad_norm"] = new(o => o with { MaxGradNorm = 1e-5 }, Weights),
        ["gradient_checkpointing"] = new(o => o with { GradientCheckpointing = true }, Checkpointing),
        // The update stays the batch's own (GrpoGradientAccumulationTests); what changes is how the step is computed.
        ["gradient_accumulation_steps"] = new(o => o with { GradientAccumulationSteps = 2 }, Metric("micro_batches")),
        ["num_train_epochs"] = new(o => o with { NumTrainEpochs = 0.5 }, StepCount, From: o => o with { MaxSteps = -1, NumTrainEpochs = 0.25 }),
        ["max_steps"] = new(o => o with { MaxSteps = 1 }, StepCount),
        ["seed"] = new(o => o with { Seed = 4 }, Weights),
        ["logging_steps"] = new(o => o with { LoggingSteps = 2 }, LoggedSteps),
        ["eval_steps"] = new(o => o with { EvalSteps = 1 }, Evaluations),
        ["save_steps"] = new(o => o with { SaveSteps = 1 }, Checkpoints),
    };

    private static Run RunGrpo(GrpoOptions options)
    {
        var model = ToyGrpo.Model(seed: 5);
        var evaluations = new List<long>();
        var modes = new List<bool>();
        using var dir = new TempDir();
        return Capture(dir.Path, model, modes, () =>
        {
            var trainer = new GrpoTrainer(model, options.Beta != 0 ? ModelCopy.Frozen(model) : null, options, ToyGrpo.Prompts, ToyGrpo.Reward(), ToyGrpo.Decode)
                { OutputDir = dir.Path, Metrics = new MetricsLog(dir.File("metrics.jsonl")), OnEval = evaluations.Add, OnStep = _ => modes.Add(model.GradientCheckpointing) };
            return (trainer.Train().Select(m => m.Values).ToList(), evaluations);
        });
    }

    /// <summary>Gradient checkpointing trades memory for time (GradientCheckpointingTests): the trained weights are the same to the bit.</summary>
    [Fact]
    public void Gradient_checkpointing_leaves_the_trained_weights_as_they_were()
    {
        Assert.Equal(RunSft(SftBaseline, poisoned: false).Weights, RunSft(SftBaseline with { GradientCheckpointing = true }, poisoned: false).Weights);
        Assert.Equal(RunGrpo(GrpoBaseline).Weights, RunGrpo(GrpoBaseline with { GradientCheckpointing = true }).Weights);
    }

    [Fact]
    public void The_baseline_runs_repeat_exactly_so_a_difference_comes_from_the_option()
    {
        static string All(Run r) => string.Join("|", new[] { Weights, StepCount, LoggedSteps, Checkpoints, Evaluations, Acceptance }.Select(o => o.Of(r)));
        Assert.Equal(All(RunGrpo(GrpoBaseline)), All(RunGrpo(GrpoBaseline)));
        Assert.Equal(All(RunSft(SftBaseline, poisoned: false)), All(RunSft(SftBaseline, poisoned: false)));
    }

    // ---- the walk ----------------------------------------------------------------------------------------------------

    public static TheoryData<string, string> Options() =>
        new([.. Sft.Keys.Order(StringComparer.Ordinal).Select(k => ("sft", k)), .. Grpo.Keys.Order(StringComparer.Ordinal).Select(k => ("grpo", k))]);

    [Theory]
    [InlineData(typeof(SftOptions))]
    [InlineData(typeof(GrpoOptions))]
    public void Every_option_is_walked(Type options) =>
        Assert.Equal(JsonNames(options), (options == typeof(SftOptions) ? (IEnumerable<string>)Sft.Keys : Grpo.Keys).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Options))]
    public void Changing_an_option_changes_what_it_says(string trainer, string option)
    {
        if (trainer == "sft") Walk(option, Sft[option], SftBaseline, o => RunSft(o, Sft[option].PoisonedModel), o => o.ToJson());
        else Walk(option, Grpo[option], GrpoBaseline, RunGrpo, o => o.ToJson());
    }

    /// <summary>Runs keyed by their options' JSON: the baselines several entries share are trained once.</summary>
    private static readonly Dictionary<string, Run> Runs = new();

    private static void Walk<T>(string option, Entry<T> entry, T baseline, Func<T, Run> run, Func<T, string> key) where T : class
    {
        var from = entry.From?.Invoke(baseline) ?? baseline;
        var to = entry.Change(from);
        Assert.NotEqual(key(from), key(to));                                                     // the entry does change the option
        Run Cached(T o)
        {
            var k = $"{entry.PoisonedModel}|{key(o)}";
            lock (Runs) if (Runs.TryGetValue(k, out var hit)) return hit;
            var r = run(o);
            lock (Runs) Runs[k] = r;
            return r;
        }
        Run before = Cached(from), after = Cached(to);
        string a = entry.Observe.Of(before), b = entry.Observe.Of(after);
        if (entry.Same is { } reason)
        {
            Assert.True(a == b, $"{option} is documented as changing nothing observable ({reason}), but {entry.Observe.What} went from {a} to {b}");
            return;
        }
        Assert.True(a != b, $"changing {option} left {entry.Observe.What} unchanged: {a}");
        if (entry.Observe != Acceptance) Assert.Null(after.Refused ?? before.Refused);           // a difference, not a crash
        if (after.Refused is { } refusal) Assert.Contains(option, refusal);
    }

    private static Run Capture(string dir, Qwen3ForCausalLM model, IReadOnlyList<bool> checkpointing,
        Func<(IReadOnlyList<IReadOnlyDictionary<string, double>> Steps, IReadOnlyList<long> Evaluations)> train)
    {
        try
        {
            var (steps, evaluations) = train();
            var log = File.Exists(Path.Combine(dir, "metrics.jsonl")) ? new MetricsLog(Path.Combine(dir, "metrics.jsonl")).Read() : [];
            var checkpoints = Directory.EnumerateDirectories(dir, "checkpoint-*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            return new Run(Fingerprint(model), steps, log.Select(r => r["step"]!.GetValue<long>()).ToList(), checkpoints!, evaluations, null, checkpointing);
        }
        catch (ReproException e)
        {
            return new Run("", [], [], [], [], e.Message);
        }
    }

    private static string Fingerprint(Qwen3ForCausalLM model) =>
        Convert.ToHexString(SHA256.HashData(model.parameters().SelectMany(p => p.to(ScalarType.Float64).data<double>().ToArray()).SelectMany(BitConverter.GetBytes).ToArray()));

    private static IEnumerable<string> JsonNames(Type t) => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name).OfType<string>().Order(StringComparer.Ordinal);

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("repro-option-walk-").FullName;
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
