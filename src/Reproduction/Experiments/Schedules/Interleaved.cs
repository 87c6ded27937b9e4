namespace Reproduction.Experiments.Schedules;

/// <summary>
/// Rounds of (an SFT block, K GRPO steps) until both stages' steps are spent: ⌈R/K⌉ rounds, the S SFT steps spread
/// evenly over them (TRL PR #3107's InterleaveTrainer; ReLIFT's fixed-period control). Each stage keeps its own optimizer.
/// </summary>
public sealed class Interleaved : Schedule
{
    public static readonly ScheduleInfo Entry = new("interleaved", "rounds of an SFT block then K GRPO steps, S + R steps in all",
        "TRL PR #3107 (InterleaveTrainer); the fixed-period control of ReLIFT (Ma et al., arXiv 2506.07527)",
        [new ScheduleParameter("k", 10, 1, 10_000, "GRPO steps per round", Integer: true)], HasSftTerm: true,
        (i, v, w, n) => new Interleaved { Info = i, Values = v, SftWeight = w, Name = n }) { SweepValues = [5, 30] };

    private List<StepPlan>? _plans;

    public override int TotalSteps(ScheduleShape shape) => shape.TotalSteps;

    public override StepPlan Plan(int step, ScheduleShape shape) => (_plans ??= Plans(shape))[step - 1];

    private List<StepPlan> Plans(ScheduleShape shape)
    {
        int k = (int)this["k"], rounds = (shape.RlSteps + k - 1) / k;
        var plans = new List<StepPlan>();
        for (int r = 0; r < rounds; r++)
        {
            plans.AddRange(Enumerable.Repeat(StepPlan.Sft(shape.DemosPerStep), ScheduleShape.Share(shape.SftSteps, rounds, r + 1)));
            plans.AddRange(Enumerable.Repeat(StepPlan.Rl(shape.PromptsPerStep), Math.Min(k, shape.RlSteps - r * k)));
        }
        return plans;
    }

    public override ScheduleLoss Loss(ScheduleStep s) => StageLoss(s);
}
