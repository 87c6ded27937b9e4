namespace Reproduction.Experiments.Schedules;

/// <summary>
/// The paper's two pipelines (§5): all S SFT steps then all R GRPO steps, or the reverse, each stage with its own
/// optimizer and learning rate, as two trainers run one after the other. The RL stage runs its full R steps here (no
/// plateau stop), so every schedule of a frontier spends the same budget.
/// </summary>
public sealed class TwoStage : Schedule
{
    public static readonly ScheduleInfo SftThenRlEntry = new("sft-then-rl", "SFT for S steps, then GRPO for R steps (the paper's Fig. 3a pipeline)",
        "Niu et al., arXiv 2601.07389, §5.1", [], HasSftTerm: true, (i, v, w, n) => new TwoStage { Info = i, Values = v, SftWeight = w, Name = n, SftFirst = true });

    public static readonly ScheduleInfo RlThenSftEntry = new("rl-then-sft", "GRPO for R steps, then SFT for S steps (the paper's Fig. 3b pipeline)",
        "Niu et al., arXiv 2601.07389, §5.2", [], HasSftTerm: true, (i, v, w, n) => new TwoStage { Info = i, Values = v, SftWeight = w, Name = n, SftFirst = false });

    public bool SftFirst { get; init; }

    public override int TotalSteps(ScheduleShape shape) => shape.TotalSteps;

    public override StepPlan Plan(int step, ScheduleShape shape) =>
        (SftFirst ? step <= shape.SftSteps : step > shape.RlSteps) ? StepPlan.Sft(shape.DemosPerStep) : StepPlan.Rl(shape.PromptsPerStep);

    public override ScheduleLoss Loss(ScheduleStep s) => StageLoss(s);
}
