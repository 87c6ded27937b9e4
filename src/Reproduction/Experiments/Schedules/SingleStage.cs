namespace Reproduction.Experiments.Schedules;

/// <summary>
/// The references: SFT alone (S steps) and GRPO alone (R steps) from the base. Each spends one stage's budget only, so
/// the frontier shows them as reference points beside the base, not as schedules held to the shared budget.
/// </summary>
public sealed class SingleStage : Schedule
{
    public static readonly ScheduleInfo SftOnlyEntry = new("sft-only", "SFT alone for S steps (reference)", "the SFT stage of §5", [], HasSftTerm: true,
        (i, v, w, n) => new SingleStage { Info = i, Values = v, SftWeight = w, Name = n, Sft = true });

    public static readonly ScheduleInfo RlOnlyEntry = new("rl-only", "GRPO alone for R steps (reference)", "the GRPO stage of §5", [], HasSftTerm: false,
        (i, v, w, n) => new SingleStage { Info = i, Values = v, SftWeight = w, Name = n, Sft = false });

    public bool Sft { get; init; }

    public override bool Reference => true;

    public override int TotalSteps(ScheduleShape shape) => Sft ? shape.SftSteps : shape.RlSteps;

    public override StepPlan Plan(int step, ScheduleShape shape) => Sft ? StepPlan.Sft(shape.DemosPerStep) : StepPlan.Rl(shape.PromptsPerStep);

    public override ScheduleLoss Loss(ScheduleStep s) => StageLoss(s);
}
