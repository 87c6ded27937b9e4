using System.Text.Json;
using System.Text.Json.Nodes;
using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Rewards;

namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// A GRPO stage (TRL's GRPOTrainer) with its options (seed and max_steps included), its training reward, and, for
/// RL-then-SFT (§5.2), the plateau rule that stops it early (<see cref="Plateau"/>; null runs all max_steps). β &gt; 0
/// takes a frozen copy of the stage's start as the reference. Measured at the trainer's evaluation points (from the
/// base, step 0 too; after another stage, not its first point, which is the previous stage's last).
/// </summary>
public sealed record GrpoStageSpec(GrpoOptions Options, string Reward, RlStageSpec? Plateau = null) : StageSpec
{
    public override string Name => "grpo";
    public override bool Bridged => true;
    public override int PlannedSteps(StudyContext ctx) => Options.MaxSteps;

    public override JsonObject Identity(StudyContext ctx) => new()
    {
        ["kind"] = "grpo", ["options"] = JsonSerializer.SerializeToNode(Options), ["reward"] = Reward,
        ["plateau"] = Plateau is null ? null : JsonSerializer.SerializeToNode(Plateau),
    };

    public override StageResult Run(StageRun r)
    {
        var (ctx, t) = (r.Context, r.Tracker);
        using var reference = Options.Beta != 0 ? ModelCopy.Frozen(t.Model) : null;
        var trainer = new GrpoTrainer(t.Model, reference, Options, ctx.RlTrain, new WeightedReward([TrainingRewards.Of(Reward)]), ctx.Encoder.Decode)
        {
            StepOffset = r.Offset,
            Metrics = r.Metrics,
            OnEval = step => { if (r.Offset == 0 || step > r.Offset) r.Evaluate(step); },
            StopWhen = Plateau is { } p ? h => Plateaued(h, p) : null,
            OnStep = m => ctx.CheckMemory($"GRPO step {m.Step} of {r.Pipeline.Id} (seed {r.Seed})"),
            SkipZeroGradientBackward = ctx.SkipZeroGradientBackward,
        };
        var history = trainer.Train();
        var last = history.TakeLast(5).ToList();
        return new StageResult(history.Count, new Dictionary<string, double> { ["train_reward_last5"] = last.Count > 0 ? last.Average(m => m["reward"]) : double.NaN });
    }

    /// <summary>Converged: after min_steps, the last window's mean training reward is not above the previous window's + tolerance.</summary>
    public static bool Plateaued(IReadOnlyList<GrpoStepMetrics> h, RlStageSpec rl)
    {
        if (rl.PlateauWindow is not int w) return false;
        if (h.Count < Math.Max(rl.MinimumSteps, 2 * w)) return false;
        double last = h.Skip(h.Count - w).Average(m => m["reward"]);
        double before = h.Skip(h.Count - 2 * w).Take(w).Average(m => m["reward"]);
        return last <= before + rl.Tolerance;
    }
}
