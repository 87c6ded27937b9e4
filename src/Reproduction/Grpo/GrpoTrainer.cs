using System.Diagnostics;
using Reproduction.Qwen3;
using Reproduction.Rewards;
using Reproduction.Sampling;
using Reproduction.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Grpo;

/// <summary>
/// GRPO (Shao et al. 2024) as TRL's GRPOTrainer runs it, one step per generation batch (verl's step):
/// take `prompts_per_step` prompts → sample `num_generations` completions each with the KV-cache sampler
/// (no grad, one batch) → decode and score them → group-normalised advantages → per-token log-probs under the
/// policy (and π_ref when beta &gt; 0) → the clipped surrogate loss → `num_iterations` AdamW updates on that batch.
/// The prompts are first fitted to `max_prompt_length` (<see cref="GrpoPromptSet"/>). With
/// `gradient_accumulation_steps` k the log-probs, loss and backward run on k micro-batches of the step's completions
/// (the advantages are computed on the whole batch first), each normalised by the whole batch's token, sequence or
/// row count, so their gradients add up to the batch's own.
/// Rollout randomness comes from a generator seeded by (seed, step), so a resumed run samples the same rollouts.
/// Each step runs in its own dispose scope.
/// </summary>
public sealed class GrpoTrainer(Qwen3ForCausalLM model, Qwen3ForCausalLM? refModel, GrpoOptions options,
    IReadOnlyList<GrpoPrompt> prompts, WeightedReward reward, Func<long[], string> decode)
{
    private readonly GrpoPromptSet _prompts = GrpoPromptSet.Fit(prompts, options);
    private readonly WeightedReward _reward = Weighted(reward, options);

    /// <summary>Called after every step (progress display, pipeline curves).</summary>
    public Action<GrpoStepMetrics>? OnStep { get; init; }

    /// <summary>Called with the global step at step 0 and every eval_steps (and at the end): the pipeline's evaluations.</summary>
    public Action<long>? OnEval { get; init; }

    /// <summary>Skip (and count) a step whose loss or gradient norm is NaN/Inf instead of stopping the run.</summary>
    public bool SkipNonFinite { get; init; }

    /// <summary>Early stop (e.g. a reward plateau): asked after every step with the history so far.</summary>
    public Func<IReadOnlyList<GrpoStepMetrics>, bool>? StopWhen { get; init; }

    public MetricsLog? Metrics { get; init; }
    public long StepOffset { get; init; }
    public string? OutputDir { get; init; }
    public string? ResumeFrom { get; init; }
    public string? TokenizerFolder { get; init; }
    public Action<string>? Warn { get; init; }

    /// <summary>The pad id used to batch sequences (also the sampler's).</summary>
    public long PadId => TokenGenerator.PadId(model, new SamplingOptions());

    /// <summary>The prompts trained on: over-long ones cut or dropped as max_prompt_length, truncation and filter_overlong_prompts say.</summary>
    public GrpoPromptSet Prompts => _prompts;

    public int StepsPerEpoch => Math.Max(1, (_prompts.Prompts.Count + options.PromptsPerStep - 1) / options.PromptsPerStep);

    public int TotalSteps => options.MaxSteps > 0 ? options.MaxSteps : (int)Math.Ceiling(options.NumTrainEpochs * StepsPerEpoch);

    /// <summary>
    /// An extra term added to the loss of every update of a step (given the global step), on the same graph: e.g. the joint
    /// schedule's λ·SFT loss. Null: plain GRPO.
    /// </summary>
    public Func<long, Tensor>? ExtraLoss { get; init; }

    /// <summary>
    /// When every advantage of a batch is exactly 0 (each group's rewards are all equal) and nothing else enters the loss
    /// (β = 0, no <see cref="ExtraLoss"/>, one iteration), the surrogate's gradient is exactly zero (each token's term is
    /// A·ratio with A = 0), so the backward pass is skipped. The forward still runs, under no_grad, for the logged loss,
    /// ratio and entropy, and AdamW still steps on the zeroed gradients, so its moments move the weights exactly as in
    /// TRL, which backpropagates the zero loss: the parameters come out bit for bit the same. On the tiny study many GRPO
    /// steps are such (every sample −1 under the strict reward). False forces the backward.
    /// </summary>
    public bool SkipZeroGradientBackward { get; init; } = true;

    /// <summary>How many steps of this trainer skipped the backward pass (<see cref="SkipZeroGradientBackward"/>).</summary>
    public int ZeroGradientSteps { get; private set; }

    public IReadOnlyList<GrpoStepMetrics> Train()
    {
        using var session = Open();
        return Continue(session, TotalSteps);
    }

    /// <summary>The optimizer and position of a run that trains in segments (<see cref="Continue"/>), e.g. interleaved with SFT.</summary>
    public sealed class Session(AdamW optimizer, NonFiniteGuard guard, int next) : IDisposable
    {
        public AdamW Optimizer => optimizer;
        public NonFiniteGuard Guard => guard;
        public List<GrpoStepMetrics> History { get; } = [];
        public int Next { get; set; } = next;
        public bool Stopped { get; set; }
        public void Dispose() => optimizer.Dispose();
    }

    /// <summary>Creates the optimizer (resuming if asked) and evaluates the start; <see cref="Continue"/> then trains.</summary>
    public Session Open()
    {
        if (_prompts.Prompts.Count == 0) throw new ReproException("grpo: no prompts");
        options.CheckCombinations();
        if (options.Beta != 0 && refModel is null) throw new ReproException("grpo: beta > 0 needs a reference model");
        var optimizer = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)),
            new AdamW.Options(options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.WeightDecay));
        int start = TrainerCheckpoint.Resume(ResumeFrom, OutputDir, "grpo", model, optimizer, Metrics, StepOffset, Warn);
        if (start == 0) OnEval?.Invoke(StepOffset);
        return new Session(optimizer, new NonFiniteGuard(SkipNonFinite), start);
    }

    /// <summary>Up to <paramref name="steps"/> more steps (never past <see cref="TotalSteps"/> or an early stop); the history so far.</summary>
    public IReadOnlyList<GrpoStepMetrics> Continue(Session session, int steps)
    {
        using var checkpointing = model.GradientCheckpointingFor(options.GradientCheckpointing);
        var (optimizer, guard, history) = (session.Optimizer, session.Guard, session.History);
        int end = Math.Min(TotalSteps, session.Next + steps);
        for (int step = session.Next; step < end && !session.Stopped; step++)
        {
            int epoch = step / StepsPerEpoch, inEpoch = step % StepsPerEpoch;
            var order = DataOrder.Permutation(options.Seed, epoch, _prompts.Prompts.Count);
            var batch = order.Skip(inEpoch * options.PromptsPerStep).Take(options.PromptsPerStep).ToList();
            var metrics = Step(optimizer, guard, step + 1, epoch + (inEpoch + 1.0) / StepsPerEpoch, batch);
            history.Add(metrics);
            session.Next = step + 1;
            if ((step + 1) % options.LoggingSteps == 0 || step + 1 == TotalSteps) Metrics?.Append(metrics.ToJson());
            OnStep?.Invoke(metrics);
            TrainingProgress.Step("grpo", step + 1, TotalSteps);
            if (options.EvalSteps is { } every && ((step + 1) % every == 0 || step + 1 == TotalSteps)) OnEval?.Invoke(StepOffset + step + 1);
            bool stop = StopWhen?.Invoke(history) == true;
            if (stop && options.EvalSteps is { } e && (step + 1) % e != 0) OnEval?.Invoke(StepOffset + step + 1);
            bool save = OutputDir is not null && ((options.SaveSteps is { } s && (step + 1) % s == 0) || step + 1 == TotalSteps || stop);
            if (save) TrainerCheckpoint.Save(OutputDir!, model, optimizer, new TrainerState(step + 1, optimizer.Step, null, "grpo"), TokenizerFolder);
            session.Stopped = stop;
        }
        return history;
    }

    private GrpoStepMetrics Step(AdamW optimizer, NonFiniteGuard guard, long step, double epoch, List<int> indices)
    {
        using var scope = torch.NewDisposeScope();
        var values = new Dictionary<string, double>();
        int g = options.NumGenerations;
        var batch = indices.Select(i => _prompts.Prompts[i]).ToList();
        PromptLengthMetrics(values, indices);

        // 1. Rollout: G consecutive copies of each prompt (TRL's RepeatSampler), one batched generation.
        var clock = Stopwatch.StartNew();
        var rolloutPrompts = batch.SelectMany(p => Enumerable.Repeat(p.PromptIds, g)).ToList();
        var sampling = new SamplingOptions
        {
            DoSample = true, Temperature = options.Temperature, TopP = options.TopP, TopK = options.TopK,
            MaxNewTokens = options.MaxCompletionLength, Seed = RolloutSeed(step), PadTokenId = PadId,
        };
        model.eval();
        GenerationResult rollout;
        try { rollout = TokenGenerator.Generate(model, rolloutPrompts, sampling); }
        catch (System.Runtime.InteropServices.ExternalException e) when (e.Message.Contains("nan", StringComparison.OrdinalIgnoreCase))
        {
            // Sampling from NaN/Inf probabilities: the weights themselves are non-finite; no later step can recover.
            throw new NonFiniteLossException(StepOffset + step, $"step {StepOffset + step}: the policy's next-token probabilities are NaN/Inf during the rollout (non-finite weights); stopping (the last checkpoint is intact)");
        }
        double rolloutSeconds = clock.Elapsed.TotalSeconds;
        long completionTokens = rollout.Tokens.Sum(t => (long)t.Length);

        // 2. Rewards on the decoded completions, then group-normalised advantages.
        clock.Restart();
        var labels = batch.SelectMany(p => Enumerable.Repeat(p.Label, g)).ToList();
        var perFunction = rollout.Tokens.Select((t, i) => _reward.ScoreEach(decode(t), labels[i])).ToList();
        // ±∞ is a broken reward function (NaN is TRL's "no reward", left to the advantages): the advantages would turn it into
        // 0 and the step would silently learn nothing, so the guard stops the run here, or skips the update with skip_nonfinite.
        bool rewardsFinite = guard.Admit(StepOffset + step, InfiniteReward(perFunction));
        var rewards = torch.tensor(perFunction.Select(r => RewardWeighting.WeightedSum(r.Select(x => (double?)x).ToArray(), _reward.Weights)).ToArray(), ScalarType.Float32);
        for (int k = 0; k < _reward.Rewards.Count; k++) values[$"rewards/{_reward.Rewards[k].Name}/mean"] = perFunction.Average(r => r[k]);
        var adv = GrpoAdvantages.Compute(rewards, options);
        values["reward"] = adv.Metrics.Reward;
        values["reward_std"] = adv.Metrics.RewardStd;
        values["frac_reward_zero_std"] = adv.Metrics.FracRewardZeroStd;
        var advantages = adv.Advantages.to(ScalarType.Float32).to(model.Device);
        values["advantages/mean"] = advantages.mean().item<float>();
        values["advantages/std"] = advantages.numel() > 1 ? advantages.std().item<float>() : 0;
        values["advantages/max"] = advantages.max().item<float>();
        values["advantages/min"] = advantages.min().item<float>();
        double scoringSeconds = clock.Elapsed.TotalSeconds;

        // 3. Sequences: left-padded prompt + right-padded completion; the loss grid is the completion part.
        var lengths = rollout.Tokens.Select(t => t.Length).ToArray();
        values["completions/mean_length"] = lengths.Average();
        values["completions/min_length"] = lengths.Min();
        values["completions/max_length"] = lengths.Max();
        values["completions/clipped_ratio"] = rollout.StopReasons.Count(r => r == StopReason.MaxNewTokens) / (double)lengths.Length;
        var (ids, attention, completionMask, promptWidth) = RolloutBatch.Build(rolloutPrompts, rollout.Tokens, PadId, model.Device);
        if (options.MaskTruncatedCompletions)
            completionMask = completionMask * torch.tensor(rollout.StopReasons.Select(r => r == StopReason.Eos ? 1L : 0L).ToArray(), device: model.Device).unsqueeze(1);
        var positions = AttentionMasks.GenerationPositions(attention);
        var maskF = completionMask.to(ScalarType.Float32);
        // The whole batch's counts normalise every micro-batch's loss (GrpoLossInputs), so the micro-batches add up to it.
        long rows = ids.shape[0], tokens = completionMask.sum().item<long>(), sequences = completionMask.sum(-1).gt(0).sum().item<long>();
        var micro = MicroBatches((int)rows).ToArray();
        Tensor Rows(Tensor t, int j) => t.narrow(0, micro[j].Start, micro[j].Count);

        clock.Restart();
        var oldLogps = new Tensor?[micro.Length];
        var refLogps = new Tensor?[micro.Length];
        using (torch.no_grad())
        {
            for (int j = 0; j < micro.Length; j++)
            {
                if (options.NumIterations > 1) oldLogps[j] = CompletionLogps(model, Rows(ids, j), Rows(attention, j), Rows(positions, j), Rows(completionMask, j), promptWidth);
                if (options.Beta != 0) refLogps[j] = CompletionLogps(refModel!, Rows(ids, j), Rows(attention, j), Rows(positions, j), Rows(completionMask, j), promptWidth);
            }
        }

        // 4. num_iterations updates on this batch (μ in the GRPO paper); old log-probs stored before the first.
        model.train();
        double lr = options.LearningRate;                                           // constant, as verl's default schedule
        double gradNorm = 0;
        // Zero advantages and no other loss term: the gradient is exactly 0 (see SkipZeroGradientBackward). Only when every
        // parameter already holds a (zeroed) gradient, so AdamW updates each one as after a backward.
        bool zeroGradient = SkipZeroGradientBackward && options.Beta == 0 && ExtraLoss is null && options.NumIterations == 1
            && optimizer.Parameters.All(HasGradient) && advantages.abs().max().item<float>() == 0;
        if (zeroGradient) ZeroGradientSteps++;
        for (int iteration = 0; iteration < options.NumIterations; iteration++)
        {
            optimizer.ZeroGrad();
            double loss = 0, entropySum = 0, ratioSum = 0;
            var tokenWeighted = new Dictionary<string, double>();
            for (int j = 0; j < micro.Length; j++)
            {
                using var inner = torch.NewDisposeScope();
                var microMask = Rows(maskF, j);
                Tensor? entropy;
                GrpoLossResult lossResult;
                using (zeroGradient ? torch.no_grad() : null)
                {
                    (var logps, entropy) = CompletionLogpsAndEntropy(model, Rows(ids, j), Rows(attention, j), Rows(positions, j), Rows(completionMask, j), promptWidth, withEntropy: iteration == 0);
                    lossResult = GrpoLoss.Compute(new GrpoLossInputs(logps, oldLogps[j], refLogps[j], Rows(advantages, j), microMask,
                        NumItemsInBatch: tokens, NumSequencesInBatch: sequences, NumRowsInBatch: rows), options);
                }
                using var microLoss = lossResult;
                if (zeroGradient) { }                                               // the gradients stay the zeros ZeroGrad wrote
                else if (ExtraLoss is null || j > 0) microLoss.Loss.backward();
                else
                {
                    using var extra = ExtraLoss(StepOffset + step);                 // once per update, with the first micro-batch
                    values["extra_loss"] = extra.ToDouble();
                    (microLoss.Loss + extra).backward();
                }
                loss += microLoss.Loss.ToDouble();
                // Token means (clip ratios, kl) of a micro-batch weighted by its tokens: the whole batch's token means.
                double microTokens = microMask.sum().item<float>();
                foreach (var (k, v) in microLoss.Metrics().Where(m => m.Key != "loss")) tokenWeighted[k] = tokenWeighted.GetValueOrDefault(k) + v * microTokens;
                if (entropy is not null) entropySum += (entropy * microMask).sum().item<float>();
                ratioSum += (microLoss.Coef1 * microMask).sum().item<float>();
            }
            // max_grad_norm 0 = no clipping (HF Trainer clips only when > 0); an infinite bound still returns the norm.
            gradNorm = zeroGradient ? 0 : torch.nn.utils.clip_grad_norm_(optimizer.Parameters, options.MaxGradNorm > 0 ? options.MaxGradNorm : double.PositiveInfinity);
            foreach (var (k, v) in tokenWeighted) values[k] = v / Math.Max(1, tokens);
            values["loss"] = loss;                                                  // Σ of the micro-batch losses: the batch's loss
            values["micro_batches"] = micro.Length;
            // Mean importance ratio over completion tokens: exactly 1 on the first pass, ≠ 1 after an update (μ > 1).
            if (iteration == 0) values["entropy"] = entropySum / Math.Max(1, tokens);   // TRL's `entropy`
            values["ratio/mean"] = ratioSum / Math.Max(1, tokens);
            if (rewardsFinite && guard.Admit(StepOffset + step, values["loss"], gradNorm)) optimizer.StepWith(lr);
            else values["skipped_nonfinite"] = 1;
        }
        optimizer.ZeroGrad();
        double trainSeconds = clock.Elapsed.TotalSeconds;

        values["learning_rate"] = lr;
        values["grad_norm"] = gradNorm;
        values["timing/rollout_s"] = rolloutSeconds;
        values["timing/scoring_s"] = scoringSeconds;
        values["timing/train_s"] = trainSeconds;
        values["tokens_per_s/rollout"] = completionTokens / Math.Max(rolloutSeconds, 1e-9);
        values["tokens_per_s/train"] = options.NumIterations * ids.numel() / Math.Max(trainSeconds, 1e-9);
        return new GrpoStepMetrics(StepOffset + step, epoch, values);
    }

    /// <summary>The reward functions weighted by reward_weights when the options set them (refused when the reward carries its own weights too).</summary>
    private static WeightedReward Weighted(WeightedReward reward, GrpoOptions options)
    {
        if (options.RewardWeights is not { } weights) return reward;
        if (reward.Weights.Any(w => w != 1.0))
            throw new ReproException($"grpo option reward_weights [{string.Join(", ", weights)}] and the reward's own weights [{string.Join(", ", reward.Weights)}] are both set; give one");
        return new WeightedReward(reward.Rewards, weights);
    }

    /// <summary>
    /// The step's completions (rows) in min(gradient_accumulation_steps, rows) consecutive micro-batches whose sizes
    /// differ by at most one row (a last, smaller batch of an epoch may have fewer rows than a full one).
    /// </summary>
    private IEnumerable<(int Start, int Count)> MicroBatches(int rows)
    {
        int k = Math.Min(options.GradientAccumulationSteps, rows), start = 0;
        for (int j = 0; j < k; j++)
        {
            int count = rows / k + (j < rows % k ? 1 : 0);
            yield return (start, count);
            start += count;
        }
    }

    /// <summary>
    /// verl's prompt-length metrics (`prompt_length/mean|max|min|clip_ratio`, clip_ratio = the fraction at exactly
    /// max_prompt_length) and the counts of this step's prompts that were cut and of the set's prompts dropped as over-long.
    /// </summary>
    private void PromptLengthMetrics(Dictionary<string, double> values, List<int> indices)
    {
        var lengths = indices.Select(i => _prompts.Prompts[i].PromptIds.Length).ToArray();
        values["prompt_length/mean"] = lengths.Average();
        values["prompt_length/max"] = lengths.Max();
        values["prompt_length/min"] = lengths.Min();
        values["prompt_length/clip_ratio"] = lengths.Count(l => l == options.MaxPromptLength) / (double)lengths.Length;
        values["prompt_length/truncated"] = indices.Count(i => _prompts.Truncated[i]);
        values["prompt_length/filtered"] = _prompts.Filtered;
    }

    /// <summary>Whether the parameter holds a gradient (the `grad` handle read is disposed: it holds the storage).</summary>
    private static bool HasGradient(TorchSharp.Modules.Parameter p)
    {
        using var g = p.grad;
        return g is not null;
    }

    /// <summary>Which reward function gave ±∞ to which completion, or null when none did.</summary>
    private string? InfiniteReward(IReadOnlyList<double[]> perFunction)
    {
        for (int i = 0; i < perFunction.Count; i++)
            for (int k = 0; k < perFunction[i].Length; k++)
                if (double.IsInfinity(perFunction[i][k]))
                    return $"reward '{_reward.Rewards[k].Name}' is {perFunction[i][k]} for completion {i}";
        return null;
    }

    /// <summary>Per-token log-probs [B, C] of the completion tokens (positions promptWidth … promptWidth + C − 1).</summary>
    private Tensor CompletionLogps(Qwen3ForCausalLM m, Tensor ids, Tensor attention, Tensor positions, Tensor completionMask, long promptWidth) =>
        CompletionLogpsAndEntropy(m, ids, attention, positions, completionMask, promptWidth, withEntropy: false).Logps;

    /// <summary>Log-probs [B, C] of the completion tokens and, if asked, the policy's entropy at those positions.</summary>
    private (Tensor Logps, Tensor? Entropy) CompletionLogpsAndEntropy(Qwen3ForCausalLM m, Tensor ids, Tensor attention, Tensor positions,
        Tensor completionMask, long promptWidth, bool withEntropy) =>
        RolloutBatch.CompletionLogps(m, ids, attention, positions, completionMask, promptWidth, options.Temperature, withEntropy);

    private ulong RolloutSeed(long step) => Seeds.GrpoRollout(options.Seed, step);
}
