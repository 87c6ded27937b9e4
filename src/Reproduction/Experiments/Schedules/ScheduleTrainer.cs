using System.Diagnostics;
using System.Text.Json.Nodes;
using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Rewards;
using Reproduction.Sampling;
using Reproduction.Sft;
using Reproduction.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Experiments.Schedules;

/// <summary>
/// The one engine every schedule of `repro frontier --schedules` runs on. Each optimizer step: the schedule's
/// <see cref="StepPlan"/> → its prompts from the RL prompt stream, (G − experts) sampled completions each (the preset's
/// GRPO sampling) plus the schedule's expert completions, all scored by the training reward, group advantages →
/// its demonstrations from the SFT stream → the schedule's loss → backward, gradient clipping, an AdamW step at the
/// phase's learning rate. It counts what the run used (<see cref="Reporting.ScheduleBudget"/>). Each step runs in its
/// own dispose scope.
/// </summary>
public sealed class ScheduleTrainer(Qwen3ForCausalLM model, Schedule schedule, StudyContext ctx, IReward reward, int seed)
{
    private readonly GrpoOptions _grpo = ctx.Preset.Grpo;
    private readonly SftOptions _sft = ctx.Preset.Sft;

    /// <summary>The budget of the preset's two stages (S, R, P, G, B).</summary>
    public static ScheduleShape ShapeOf(StudyContext ctx) => new(SftTrainer.StepsFor(ctx.Preset.Sft, ctx.SftTrain.Count), ctx.Preset.RlStage.MaxSteps,
        ctx.Preset.Grpo.PromptsPerStep, ctx.Preset.Grpo.NumGenerations, ctx.Preset.Sft.PerDeviceTrainBatchSize * ctx.Preset.Sft.GradientAccumulationSteps);

    public MetricsLog? Metrics { get; init; }
    public Action<int>? OnStep { get; init; }

    public int OptimizerSteps { get; private set; }
    public long SampledCompletions { get; private set; }
    public long Demonstrations { get; private set; }

    /// <summary>Runs every step of the schedule.</summary>
    public void Train()
    {
        var shape = ShapeOf(ctx);
        int total = schedule.TotalSteps(shape);
        if (total <= 0) throw new ReproException($"schedule {schedule.Name}: no steps (S = {shape.SftSteps}, R = {shape.RlSteps})");
        int g = shape.Generations, experts = schedule.ExpertsPerGroup;
        if (schedule.NeedsDemonstrations && ctx.SftTrain.Count == 0) throw new ReproException($"schedule {schedule.Name}: no demonstrations (the SFT data is empty)");
        if (ctx.SftTrain.Count > 0 && ctx.SftTrain.Count != ctx.RlTrain.Count)
            throw new ReproException($"schedule {schedule.Name}: {ctx.SftTrain.Count} demonstrations for {ctx.RlTrain.Count} RL prompts; each prompt needs its own demonstration");
        if (experts >= g) throw new ReproException($"schedule {schedule.Name}: {experts} expert completions leave no sampled one in groups of {g}");
        if (Unsupported(ctx) is { } refused) throw new ReproException($"schedule {schedule.Name}: {refused}");
        if (_grpo.Beta != 0 && !schedule.HasKlTerm)
            throw new ReproException($"schedule {schedule.Name}: its published loss has no KL term, so grpo beta {_grpo.Beta} would be ignored (set beta 0)");
        // β > 0: the KL term of the GRPO surrogate against the run's start (the base), as the GRPO trainer's reference model.
        using var reference = _grpo.Beta != 0 ? ModelCopy.Frozen(model) : null;
        _reference = reference;
        var prompts = new Stream(Seeds.Derive(seed, "frontier/prompts"), ctx.RlTrain.Count, $"schedule {schedule.Name}: no RL prompts to sample (the training split is empty)");
        var demos = new Stream(Seeds.Derive(seed, "frontier/demos"), ctx.SftTrain.Count, $"schedule {schedule.Name}: no demonstrations (the SFT data is empty)");
        var optimizers = new Dictionary<string, AdamW>();
        var guard = new NonFiniteGuard(false);
        var sftSchedule = new LearningRateSchedule(_sft.LrSchedulerType, _sft.LearningRate,
            LearningRateSchedule.WarmupStepsFromRatio(_sft.WarmupRatio, shape.SftSteps), shape.SftSteps).Validated();
        int sftStepsDone = 0;
        using var checkpointing = model.GradientCheckpointingFor(_grpo.GradientCheckpointing);
        try
        {
            for (int j = 1; j <= total; j++)
            {
                using var scope = torch.NewDisposeScope();
                var plan = schedule.Plan(j, shape);
                var clock = Stopwatch.StartNew();
                var values = new Dictionary<string, double>();
                var step = Gather(plan, j, total, prompts, demos, g, experts, values);
                var result = schedule.Loss(step);
                var optimizer = optimizers.TryGetValue(plan.Phase, out var o) ? o : optimizers[plan.Phase] = NewOptimizer(plan.Phase);
                double lr = plan.Phase == "sft" ? sftSchedule.At(Math.Min(sftStepsDone, shape.SftSteps)) : _grpo.LearningRate;
                optimizer.ZeroGrad();
                double loss = result.Loss.ToDouble();
                double gradNorm = 0;
                if (result.Loss.requires_grad)
                {
                    result.Loss.backward();
                    double maxNorm = plan.Phase == "sft" ? _sft.MaxGradNorm : _grpo.MaxGradNorm;
                    gradNorm = torch.nn.utils.clip_grad_norm_(optimizer.Parameters, maxNorm > 0 ? maxNorm : double.PositiveInfinity);
                }
                if (guard.Admit(j, loss, gradNorm)) optimizer.StepWith(lr);
                optimizer.ZeroGrad();
                if (plan.Phase == "sft") sftStepsDone++;
                OptimizerSteps++;
                Demonstrations += result.DemosUsed;
                values["loss"] = loss;
                values["grad_norm"] = gradNorm;
                values["learning_rate"] = lr;
                values["demonstrations"] = result.DemosUsed;
                values["step_s"] = clock.Elapsed.TotalSeconds;
                foreach (var (k, v) in result.Metrics) values[k] = v;
                var line = new JsonObject { ["step"] = j, ["phase"] = plan.Phase };
                foreach (var (k, v) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal)) line[k] = double.IsFinite(v) ? v : null;
                Metrics?.Append(line);
                OnStep?.Invoke(j);
                TrainingProgress.Step("train", j, total);
            }
        }
        finally
        {
            foreach (var o in optimizers.Values) o.Dispose();
        }
    }

    private Qwen3ForCausalLM? _reference;

    /// <summary>
    /// The GRPO settings the engine does not carry out, when set away from their defaults: refused with the reason rather
    /// than ignored (the engine takes one update per step, on the prompts as given).
    /// </summary>
    public static string? Unsupported(StudyContext ctx)
    {
        var g = ctx.Preset.Grpo;
        if (g.NumIterations != 1) return $"grpo num_iterations {g.NumIterations}: the schedule engine takes one update per step (set 1)";
        if (g.GradientAccumulationSteps != 1) return $"grpo gradient_accumulation_steps {g.GradientAccumulationSteps}: the schedule engine takes each step's batch at once (set 1)";
        if (g.MaskTruncatedCompletions) return "grpo mask_truncated_completions: not carried out by the schedule engine (set false)";
        if (g.GradientCheckpointing != ctx.Preset.Sft.GradientCheckpointing)
            return $"grpo gradient_checkpointing {g.GradientCheckpointing} and sft {ctx.Preset.Sft.GradientCheckpointing}: a schedule step may mix both losses in one backward (set both the same)";
        if (g.RewardWeights is not null) return "grpo reward_weights: the schedule engine scores with the one training reward (leave it out)";
        int longest = ctx.RlTrain.Count == 0 ? 0 : ctx.RlTrain.Max(p => p.PromptIds.Length);
        if (longest > g.MaxPromptLength)
            return $"a training prompt has {longest} tokens, over grpo max_prompt_length {g.MaxPromptLength}: the schedule engine neither truncates nor filters prompts (raise max_prompt_length)";
        return null;
    }

    private AdamW NewOptimizer(string phase) => phase == "sft"
        ? new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), new AdamW.Options(_sft.AdamBeta1, _sft.AdamBeta2, _sft.AdamEpsilon, _sft.WeightDecay))
        : new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), new AdamW.Options(_grpo.AdamBeta1, _grpo.AdamBeta2, _grpo.AdamEpsilon, _grpo.WeightDecay));

    /// <summary>Samples, scores and collects what step <paramref name="j"/>'s plan asks for.</summary>
    private ScheduleStep Gather(StepPlan plan, int j, int total, Stream prompts, Stream demos, int g, int experts, Dictionary<string, double> values)
    {
        var promptIndices = prompts.Take(plan.Prompts);
        var streamDemos = plan.Demos is { } named ? named.Select(i => ctx.SftTrain[i]).ToList() : demos.Take(plan.StreamDemos).Select(i => ctx.SftTrain[i]).ToList();
        int sampled = g - experts;
        var rowPrompts = new List<long[]>();
        var completions = new List<long[]>();
        var isExpert = new List<bool>();
        var labels = new List<string>();
        if (promptIndices.Count > 0)
        {
            var batch = promptIndices.Select(i => ctx.RlTrain[i]).ToList();
            var sampling = new SamplingOptions
            {
                DoSample = true, Temperature = _grpo.Temperature, TopP = _grpo.TopP, TopK = _grpo.TopK, MaxNewTokens = _grpo.MaxCompletionLength,
                Seed = (ulong)Seeds.Derive(seed, $"frontier/{schedule.Name}/rollout/{j}"), PadTokenId = ctx.Encoder.PadId,
            };
            model.eval();
            var rollout = TokenGenerator.Generate(model, batch.SelectMany(p => Enumerable.Repeat(p.PromptIds, sampled)).ToList(), sampling);
            model.train();
            SampledCompletions += rollout.Tokens.Count;
            for (int k = 0; k < batch.Count; k++)
            {
                for (int r = 0; r < sampled; r++)
                {
                    rowPrompts.Add(batch[k].PromptIds);
                    completions.Add(rollout.Tokens[k * sampled + r]);
                    isExpert.Add(false);
                    labels.Add(batch[k].Label);
                }
                for (int e = 0; e < experts; e++)
                {
                    rowPrompts.Add(batch[k].PromptIds);
                    completions.Add(ExpertCompletion(promptIndices[k]));
                    isExpert.Add(true);
                    labels.Add(batch[k].Label);
                }
            }
            values["completions/clipped_ratio"] = rollout.StopReasons.Count(s => s == StopReason.MaxNewTokens) / (double)rollout.Tokens.Count;
        }
        var rewards = completions.Select((c, r) => reward.Score(ctx.Encoder.Decode(c), labels[r])).ToArray();
        if (rewards.Any(r => !double.IsFinite(r))) throw new ReproException($"schedule {schedule.Name}, step {j}: the training reward returned a non-finite value");
        Tensor advantages, mask;
        Tensor? refLogps = null;
        Func<(Tensor, Tensor)> policy;
        if (rewards.Length > 0)
        {
            values["reward"] = rewards.Where((_, r) => !isExpert[r]).Average();
            advantages = GrpoAdvantages.Compute(torch.tensor(rewards.Select(r => (float)r).ToArray()), schedule.AdvantageOptions(_grpo) with { NumGenerations = g }).Advantages
                .to(ScalarType.Float32).to(model.Device);
            var (ids, attention, completionMask, width) = RolloutBatch.Build(rowPrompts, completions, ctx.Encoder.PadId, model.Device);
            var positions = AttentionMasks.GenerationPositions(attention);
            mask = completionMask.to(ScalarType.Float32);
            policy = () =>
            {
                var (lp, ent) = RolloutBatch.CompletionLogps(model, ids, attention, positions, completionMask, width, _grpo.Temperature, withEntropy: true);
                return (lp, ent!);
            };
            if (_reference is not null)
                using (torch.no_grad())
                    refLogps = RolloutBatch.CompletionLogps(_reference, ids, attention, positions, completionMask, width, _grpo.Temperature, withEntropy: false).Logps;
        }
        else
        {
            advantages = torch.zeros(0, device: model.Device);
            mask = torch.zeros(0, 1, device: model.Device);
            policy = () => (torch.zeros(0, 1, device: model.Device, requires_grad: true), torch.zeros(0, 1, device: model.Device));
        }
        return new ScheduleStep
        {
            Step = j, TotalSteps = total, Grpo = _grpo, Phase = plan.Phase, Prompts = promptIndices, GroupSize = g, Rewards = rewards,
            IsExpert = [.. isExpert], Advantages = advantages, CompletionMask = mask, ReferenceLogps = refLogps, StreamDemos = streamDemos,
            PromptDemos = ctx.SftTrain.Count == 0 ? [] : promptIndices.Select(i => ctx.SftTrain[i]).ToList(),
            PolicyFn = policy,
            DemoFn = d => DemoLogps.Of(model, d, ctx.Encoder.PadId, _sft.MaxLength, _sft.CompletionOnlyLoss),
        };
    }

    /// <summary>An expert completion of training prompt i: its SFT data's label (the demonstration's) in the RL answer format the reward accepts (with the base recipe's thought).</summary>
    private long[] ExpertCompletion(int i)
    {
        if (_experts.TryGetValue(i, out var ids)) return ids;
        return _experts[i] = ctx.Encoder.Ids(LabelProbe.RlAnswer(ctx.Encoder, (ctx.Preset.Base ?? new BaseSpec()).Thoughts[0], ctx.SftTrainExamples[i].Label));
    }

    /// <summary>Expert completions already encoded, by training index (each is tokenized once per run).</summary>
    private readonly Dictionary<int, long[]> _experts = [];
    /// <summary>An endless stream of indices: a seeded permutation per epoch, taken in order.</summary>
    private sealed class Stream(long seed, int count, string whenEmpty)
    {
        private int _epoch, _position;
        private int[] _order = DataOrder.Permutation(seed, 0, count);

        public List<int> Take(int n)
        {
            var taken = new List<int>(n);
            if (n > 0 && count == 0) throw new ReproException(whenEmpty);
            while (taken.Count < n)
            {
                if (_position == _order.Length) { _order = DataOrder.Permutation(seed, ++_epoch, count); _position = 0; }
                taken.Add(_order[_position++]);
            }
            return taken;
        }
    }
}
