using TorchSharp;
namespace Reproduction.Experiments.Schedules;

/// <summary>
/// One loss, L = L_GRPO + λ·L_SFT, on every step: each of the T = S + R steps samples its share of the completions and
/// takes its share of the demonstrations ("RL w/ SFT loss" in LUFFY's comparison; TRL issue #3092's "combine losses").
/// </summary>
public sealed class Joint : Schedule
{
    public static readonly ScheduleInfo Entry = new("joint", "L_GRPO + λ·L_SFT on every step, completions and demonstrations spread over T = S + R steps",
        "LUFFY's \"RL w/ SFT loss\" baseline (Yan et al., arXiv 2504.14945); TRL #3092",
        [new ScheduleParameter("lambda", 1.0, 0, 100, "weight λ of the SFT term")], HasSftTerm: true,
        (i, v, w, n) => new Joint { Info = i, Values = v, SftWeight = w, Name = n }) { SweepValues = [0.1, 0.3, 3.0] };

    public override int TotalSteps(ScheduleShape shape) => shape.TotalSteps;

    public override StepPlan Plan(int step, ScheduleShape shape) => new("rl", MixedPrompts(step, shape), MixedDemos(step, shape));

    public override ScheduleLoss Loss(ScheduleStep s)
    {
        var rl = s.GrpoTerm();
        var sft = StreamSft(s);
        return new(rl + this["lambda"] * sft, s.StreamDemos.Count, new Dictionary<string, double> { ["loss/rl"] = rl.ToDouble(), ["loss/sft"] = sft.ToDouble() });
    }
}
