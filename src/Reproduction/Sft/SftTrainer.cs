using System.Diagnostics;
using System.Text.Json.Nodes;
using Reproduction.Evaluation;
using Reproduction.Qwen3;
using Reproduction.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Sft;

/// <summary>What one optimizer step of SFT did (also one line of metrics.jsonl).</summary>
public sealed record SftStepMetrics(
    long Step, double Epoch, double Loss, double NllPerSequence, double LearningRate, double GradNorm,
    long Tokens, double TokensPerSecond, bool Skipped, double? EvalCe)
{
    public JsonObject ToJson()
    {
        var o = new JsonObject { ["step"] = Step, ["epoch"] = Math.Round(Epoch, 6) };
        void Put(string key, double value) { if (double.IsFinite(value)) o[key] = value; }   // JSON has no NaN
        Put("loss", Loss);
        Put("nll_per_sequence", NllPerSequence);
        Put("lr", LearningRate);
        Put("grad_norm", GradNorm);
        o["tokens"] = Tokens;
        Put("tokens_per_s", Math.Round(TokensPerSecond, 1));
        if (Skipped) o["skipped_nonfinite"] = true;
        if (EvalCe is { } ce) Put("eval_ce", ce);
        return o;
    }
}

/// <summary>
/// Supervised fine-tuning as TRL's SFTTrainer does it for prompt/completion data: completion-only loss,
/// AdamW, a warm-up + cosine schedule, gradient clipping, and gradient accumulation whose loss is the mean
/// NLL per completion token over the *whole* accumulated batch (Σ NLL / N over all micro-batches, TRL's
/// num_items_in_batch and verl's token-mean, not a mean of per-micro-batch means). Evaluates the SFT
/// test-set cross-entropy at step 0 (the base model), every eval_steps, and at the end.
/// Each optimizer step runs in its own dispose scope.
/// </summary>
public sealed class SftTrainer(Qwen3ForCausalLM model, SftOptions options, IReadOnlyList<SftExample> train,
    IReadOnlyList<SftExample>? eval, long padId)
{
    private readonly SftOptions _options = options.Validated();

    /// <summary>Called after every optimizer step (progress display, pipeline curves).</summary>
    public Action<SftStepMetrics>? OnStep { get; init; }

    /// <summary>Called with the global step wherever the trainer evaluates (not at step 0): the pipeline's own evaluations.</summary>
    public Action<long>? OnEval { get; init; }

    /// <summary>The stage name this trainer's steps are reported under on the live display (<see cref="TrainingProgress"/>).</summary>
    public string ProgressStage { get; init; } = "sft";

    /// <summary>Optional metrics.jsonl sink.</summary>
    public MetricsLog? Metrics { get; init; }

    /// <summary>The global step offset added to logged steps (a pipeline's second stage continues the first's axis).</summary>
    public long StepOffset { get; init; }

    /// <summary>Where checkpoint-{step}/ folders go (every save_steps and at the end); null: no checkpoints.</summary>
    public string? OutputDir { get; init; }

    /// <summary>A checkpoint folder to continue from, or "auto" for the newest complete one in <see cref="OutputDir"/>.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Tokenizer files copied into each checkpoint's model folder, so it loads on its own.</summary>
    public string? TokenizerFolder { get; init; }

    /// <summary>Receives non-fatal notices (e.g. a corrupt checkpoint skipped on resume).</summary>
    public Action<string>? Warn { get; init; }

    public int ExamplesPerStep => _options.PerDeviceTrainBatchSize * _options.GradientAccumulationSteps;

    /// <summary>Optimizer steps per epoch: ceil(examples / (batch × accumulation)), the last step taking what is left.</summary>
    public int StepsPerEpoch => Math.Max(1, (train.Count + ExamplesPerStep - 1) / ExamplesPerStep);

    public int TotalSteps => StepsFor(_options, train.Count);

    /// <summary>Optimizer steps of a run over <paramref name="examples"/> examples: max_steps, else epochs × ceil(examples / (batch × accumulation)).</summary>
    public static int StepsFor(SftOptions options, int examples) => options.MaxSteps > 0 ? options.MaxSteps
        : Math.Max(1, (examples + options.PerDeviceTrainBatchSize * options.GradientAccumulationSteps - 1) / (options.PerDeviceTrainBatchSize * options.GradientAccumulationSteps)) * options.NumTrainEpochs;

    public IReadOnlyList<SftStepMetrics> Train()
    {
        using var session = Open();
        return Continue(session, TotalSteps);
    }

    /// <summary>The optimizer, schedule and position of a run that trains in segments (<see cref="Continue"/>), e.g. interleaved with GRPO.</summary>
    public sealed class Session(AdamW optimizer, LearningRateSchedule schedule, NonFiniteGuard guard, int next) : IDisposable
    {
        public AdamW Optimizer => optimizer;
        public LearningRateSchedule Schedule => schedule;
        public NonFiniteGuard Guard => guard;
        public List<SftStepMetrics> History { get; } = [];
        public int Next { get; set; } = next;
        public void Dispose() => optimizer.Dispose();
    }

    /// <summary>Creates the optimizer (resuming if asked) and evaluates the start; <see cref="Continue"/> then trains.</summary>
    public Session Open()
    {
        if (train.Count == 0) throw new ReproException("sft: the training split is empty");
        if (_options.Dtype is { } dtype && IO.DtypeNames.HfName(model.Dtype) != dtype)
            throw new ReproException($"sft option dtype is {dtype}, but the model's weights are {IO.DtypeNames.HfName(model.Dtype)}: " +
                $"load the model in {dtype} (--dtype, or the preset's model.dtype) or leave dtype out");
        var schedule = new LearningRateSchedule(_options.LrSchedulerType, _options.LearningRate,
            LearningRateSchedule.WarmupStepsFromRatio(_options.WarmupRatio, TotalSteps), TotalSteps).Validated();
        var optimizer = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)),
            new AdamW.Options(_options.AdamBeta1, _options.AdamBeta2, _options.AdamEpsilon, _options.WeightDecay));
        int start = TrainerCheckpoint.Resume(ResumeFrom, OutputDir, "sft", model, optimizer, Metrics, StepOffset, Warn);
        var session = new Session(optimizer, schedule, new NonFiniteGuard(_options.SkipNonFinite), start);
        if (start == 0 && eval is not null && _options.EvalSteps > 0)
            Record(new SftStepMetrics(0, 0, double.NaN, double.NaN, 0, 0, 0, 0, false, EvaluateCe()), session.History, log: false);
        return session;
    }

    /// <summary>Up to <paramref name="steps"/> more optimizer steps (never past <see cref="TotalSteps"/>); the history so far.</summary>
    public IReadOnlyList<SftStepMetrics> Continue(Session session, int steps)
    {
        using var checkpointing = model.GradientCheckpointingFor(_options.GradientCheckpointing);
        var (optimizer, guard, history) = (session.Optimizer, session.Guard, session.History);
        model.train();
        int end = Math.Min(TotalSteps, session.Next + steps);
        for (int step = session.Next; step < end; step++)
        {
            int epoch = step / StepsPerEpoch, inEpoch = step % StepsPerEpoch;
            var examples = Batch(step);
            var metrics = TrainStep(optimizer, guard, session.Schedule.At(step), step + 1, epoch + (inEpoch + 1.0) / StepsPerEpoch, examples);
            bool evalPoint = _options.EvalSteps > 0 && ((step + 1) % _options.EvalSteps == 0 || step + 1 == TotalSteps);
            bool evalNow = eval is not null && evalPoint;
            if (evalNow) metrics = metrics with { EvalCe = EvaluateCe() };
            if (evalPoint) OnEval?.Invoke(StepOffset + step + 1);
            Record(metrics, history, log: (step + 1) % _options.LoggingSteps == 0 || evalNow);
            TrainingProgress.Step(ProgressStage, step + 1, TotalSteps);
            bool saveNow = OutputDir is not null && ((_options.SaveSteps > 0 && (step + 1) % _options.SaveSteps == 0) || step + 1 == TotalSteps);
            if (saveNow)
                TrainerCheckpoint.Save(OutputDir!, model, optimizer, new TrainerState(step + 1, optimizer.Step, null, "sft"), TokenizerFolder);
        }
        session.Next = end;
        return history;
    }

    /// <summary>The examples of (0-based) optimizer step <paramref name="step"/>: a seeded permutation per epoch, consecutive slices of it.</summary>
    public List<SftExample> Batch(int step)
    {
        int epoch = step / StepsPerEpoch, inEpoch = step % StepsPerEpoch;
        var order = DataOrder.Permutation(_options.Seed, epoch, train.Count);
        return order.Skip(inEpoch * ExamplesPerStep).Take(ExamplesPerStep).Select(i => train[i]).ToList();
    }

    /// <summary>Σ NLL over the completion tokens of <paramref name="examples"/> (on the graph) and the token count: the SFT loss before normalising.</summary>
    public static (Tensor Sum, long Tokens) Nll(Qwen3ForCausalLM model, IReadOnlyList<SftExample> examples, long padId, int maxLength, bool completionOnly)
    {
        using var batch = SftBatch.Collate(examples, padId, maxLength, completionOnly, model.Device);
        if (batch.CompletionTokens == 0) return (torch.zeros(1, device: model.Device).sum(), 0);
        var lp = TokenLogProbs.Compute(model, batch.InputIds, batch.AttentionMask, targetMask: batch.LossMask);
        return (-lp.LogProbs.masked_fill(lp.Valid.logical_not(), 0).sum(), batch.CompletionTokens);
    }

    private SftStepMetrics TrainStep(AdamW optimizer, NonFiniteGuard guard, double lr, long step, double epoch, List<SftExample> examples)
    {
        using var scope = torch.NewDisposeScope();
        var clock = Stopwatch.StartNew();
        long tokens = examples.Chunk(_options.PerDeviceTrainBatchSize).Sum(c => SftBatch.CompletionTokenCount(c, _options.MaxLength, _options.CompletionOnlyLoss));
        double nllSum = 0;
        optimizer.ZeroGrad();
        foreach (var chunk in examples.Chunk(_options.PerDeviceTrainBatchSize))
        {
            var (sum, count) = Nll(model, chunk, padId, _options.MaxLength, _options.CompletionOnlyLoss);
            if (count == 0) continue;
            (sum / Math.Max(1, tokens)).backward();                          // Σ NLL / N over the whole accumulated batch
            nllSum += sum.to(ScalarType.Float64).item<double>();
        }
        double gradNorm = tokens == 0 ? 0 : torch.nn.utils.clip_grad_norm_(optimizer.Parameters, _options.MaxGradNorm);
        double loss = tokens == 0 ? double.NaN : nllSum / tokens;
        bool apply = tokens > 0 && guard.Admit(StepOffset + step, loss, gradNorm);
        if (apply) optimizer.StepWith(lr);
        optimizer.ZeroGrad();
        double seconds = clock.Elapsed.TotalSeconds;
        return new SftStepMetrics(step, epoch, loss, nllSum / examples.Count, lr, gradNorm, tokens, tokens / Math.Max(seconds, 1e-9), !apply, null);
    }

    private double EvaluateCe()
    {
        model.eval();
        try { return CrossEntropy.Evaluate(model, eval!, padId, _options.MaxLength, _options.PerDeviceEvalBatchSize).MeanTokenNll; }
        finally { model.train(); }
    }

    private void Record(SftStepMetrics m, List<SftStepMetrics> history, bool log)
    {
        var shifted = m with { Step = m.Step + StepOffset };
        history.Add(shifted);
        if (log) Metrics?.Append(shifted.ToJson());
        OnStep?.Invoke(shifted);
    }
}
