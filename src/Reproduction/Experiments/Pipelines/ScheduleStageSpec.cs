using System.Text.Json;
using System.Text.Json.Nodes;
using Reproduction.Experiments.Schedules;

namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// A mixed schedule from <see cref="ScheduleCatalog"/> (joint, interleaved, CHORD, HPT, LUFFY, …) as one stage on the
/// schedule engine (<see cref="ScheduleTrainer"/>), with the budget of the preset's two stages and its training reward.
/// With <see cref="Evaluations"/> = n &gt; 0 the pipeline's measurements are taken at its start, every ⌈T/n⌉ steps and at its end.
/// </summary>
public sealed record ScheduleStageSpec(string Schedule, string Reward, int Evaluations = 0) : StageSpec
{
    /// <summary>The spec as written (`joint:1`): the stage's name in the report.</summary>
    public override string Name => Schedule;

    public override int PlannedSteps(StudyContext ctx) => ScheduleCatalog.Parse(Schedule).TotalSteps(ScheduleTrainer.ShapeOf(ctx));

    public override JsonObject Identity(StudyContext ctx)
    {
        var s = ScheduleCatalog.Parse(Schedule);
        var p = ctx.Preset;
        return new JsonObject
        {
            ["kind"] = "schedule", ["schedule"] = s.Name, ["family"] = s.Info.Family,
            ["values"] = JsonSerializer.SerializeToNode(s.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary()),
            ["sft_loss"] = SftTokenLoss.Name(s.SftWeight), ["reward"] = Reward, ["evaluations"] = Evaluations,
            ["shape"] = JsonSerializer.SerializeToNode(ScheduleTrainer.ShapeOf(ctx)),
            ["sft"] = JsonSerializer.SerializeToNode(p.Sft), ["grpo"] = JsonSerializer.SerializeToNode(p.Grpo),
            ["expert_thought"] = (p.Base ?? new BaseSpec()).Thoughts[0],
        };
    }

    public override StageResult Run(StageRun r)
    {
        // A fresh instance per run: a schedule may keep state (ReLIFT's buffer).
        var schedule = ScheduleCatalog.Parse(Schedule);
        int total = schedule.TotalSteps(ScheduleTrainer.ShapeOf(r.Context)), every = Evaluations > 0 ? (total + Evaluations - 1) / Evaluations : 0;
        if (every > 0) r.Evaluate(r.Offset);
        var trainer = new ScheduleTrainer(r.Model, schedule, r.Context, TrainingRewards.Of(Reward), r.Seed)
        {
            Metrics = r.Metrics,
            OnStep = j => { if (every > 0 && (j % every == 0 || j == total)) r.Evaluate(r.Offset + j); },
        };
        trainer.Train();
        return new StageResult(trainer.OptimizerSteps, new Dictionary<string, double>
        {
            ["sampled_completions"] = trainer.SampledCompletions, ["demonstrations"] = trainer.Demonstrations,
        });
    }
}
