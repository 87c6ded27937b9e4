using System.Globalization;
using static TorchSharp.torch;

namespace Reproduction.Experiments.Schedules;

/// <summary>
/// The budget every schedule of a frontier shares, from the preset's two stages: S SFT steps of B demonstrations and
/// R GRPO steps of P prompts × G completions. A two-stage pipeline spends T = S + R optimizer steps, C = R·P·G sampled
/// completions and D = S·B demonstrations; a one-loop schedule spreads C and D over its T steps.
/// </summary>
public sealed record ScheduleShape(int SftSteps, int RlSteps, int PromptsPerStep, int Generations, int DemosPerStep)
{
    public int TotalSteps => SftSteps + RlSteps;
    public long Completions => (long)RlSteps * PromptsPerStep * Generations;
    public long Demonstrations => (long)SftSteps * DemosPerStep;

    /// <summary>Item j's share (1-based) when <paramref name="total"/> items are spread evenly over <paramref name="steps"/> steps.</summary>
    public static int Share(long total, int steps, int j) => (int)(total * j / steps - total * (j - 1) / steps);
}

/// <summary>
/// What one optimizer step trains on. <see cref="Phase"/> names the optimizer and its learning rate: "sft" (the SFT
/// options' rate and schedule, counted over the schedule's SFT steps) or "rl" (GRPO's constant rate); a schedule that
/// switches phase keeps one AdamW per phase, as two trainers would. Prompts are taken from the RL prompt stream,
/// demonstrations from the SFT stream; <see cref="Demos"/> lists demonstrations by training index instead (ReLIFT's buffer).
/// </summary>
public sealed record StepPlan(string Phase, int Prompts, int StreamDemos, IReadOnlyList<int>? Demos = null)
{
    public static StepPlan Sft(int demos) => new("sft", 0, demos);
    public static StepPlan Rl(int prompts) => new("rl", prompts, 0);
}

/// <summary>A schedule's loss for one step, the demonstrations that entered it, and what it logs.</summary>
public sealed record ScheduleLoss(Tensor Loss, int DemosUsed, IReadOnlyDictionary<string, double> Metrics);

/// <summary>A schedule parameter: its name, published default, the range it must lie in, and what it does.</summary>
public sealed record ScheduleParameter(string Name, double Default, double Min, double Max, string Help, bool Integer = false);

/// <summary>
/// One way of spending the SFT and RL budget (`repro frontier --schedules`): a plan per step (what it samples and which
/// demonstrations it takes) and a loss over what the step gathered. The engine (<see cref="ScheduleTrainer"/>) does the
/// sampling, scoring, optimizer and bookkeeping; a schedule file holds only what makes it that method.
/// </summary>
public abstract class Schedule
{
    /// <summary>The catalogue entry this schedule was made from.</summary>
    public required ScheduleInfo Info { get; init; }

    /// <summary>The parameter values (defaults filled in).</summary>
    public required IReadOnlyDictionary<string, double> Values { get; init; }

    /// <summary>DFT's switch on the SFT term (parameter sft_loss), for the schedules that have one.</summary>
    public SftTokenWeight SftWeight { get; init; } = SftTokenWeight.Nll;

    /// <summary>The run's label: the family, then every parameter that differs from its default.</summary>
    public string Name { get; init; } = "";

    public double this[string parameter] => Values[parameter];

    /// <summary>A reference point (base, SFT alone, RL alone): shown on the frontier, not held to the shared budget.</summary>
    public virtual bool Reference => false;

    /// <summary>Whether the schedule trains on the SFT data (its stream or its prompts' demonstrations).</summary>
    public virtual bool NeedsDemonstrations => Info.HasSftTerm;

    /// <summary>Whether the loss has GRPO's β·KL term (to the base); a schedule whose published loss has none refuses β &gt; 0.</summary>
    public virtual bool HasKlTerm => true;

    /// <summary>Expert completions placed in each GRPO group beside the sampled ones (LUFFY: 1).</summary>
    public virtual int ExpertsPerGroup => 0;

    /// <summary>The GRPO options the engine computes advantages with (LUFFY: no std scaling).</summary>
    public virtual Grpo.GrpoOptions AdvantageOptions(Grpo.GrpoOptions grpo) => grpo;

    public abstract int TotalSteps(ScheduleShape shape);

    /// <summary>The plan of step <paramref name="step"/> (1-based) of <see cref="TotalSteps"/>.</summary>
    public abstract StepPlan Plan(int step, ScheduleShape shape);

    public abstract ScheduleLoss Loss(ScheduleStep step);

    /// <summary>Prompts of mixed step j when the schedule spreads the two-stage pipelines' C completions over its T steps.</summary>
    protected int MixedPrompts(int step, ScheduleShape shape)
    {
        int sampledPerPrompt = shape.Generations - ExpertsPerGroup;
        long prompts = (long)Math.Round(shape.Completions / (double)sampledPerPrompt);
        return ScheduleShape.Share(prompts, TotalSteps(shape), step);
    }

    /// <summary>Demonstrations of mixed step j: the two-stage pipelines' D spread over T steps.</summary>
    protected int MixedDemos(int step, ScheduleShape shape) => ScheduleShape.Share(shape.Demonstrations, TotalSteps(shape), step);

    /// <summary>The SFT term on the step's stream demonstrations with this schedule's token weight.</summary>
    protected Tensor StreamSft(ScheduleStep s, SftTokenWeight? weight = null)
    {
        var d = s.StreamDemoLogps();
        return SftTokenLoss.Compute(d.Logps, d.Mask, weight ?? SftWeight);
    }

    /// <summary>The loss of a step that is all SFT (phase "sft": the SFT term on its demonstrations) or all GRPO.</summary>
    protected ScheduleLoss StageLoss(ScheduleStep s) =>
        s.Phase == "sft" ? new(StreamSft(s), s.StreamDemos.Count, new Dictionary<string, double>()) : new(s.GrpoTerm(), 0, new Dictionary<string, double>());

    public override string ToString() => Name;

    internal static string Format(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
