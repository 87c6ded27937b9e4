using TorchSharp;

namespace Reproduction.Experiments.Schedules;

/// <summary>
/// HPT, the Unified Policy Gradient Estimator's hybrid schedule (Lv et al., arXiv 2509.04419), as
/// TsinghuaC3I/Unify-Post-Training computes it (`mix_trainer.py::select_on_off_ada_balance`, `unify_strategy="switch"`,
/// `mix_actor.py` `offline_loss_type="sft"`): each prompt's G rollouts are scored; a prompt with at most γ correct
/// rollouts drops them and is trained by SFT on its demonstration, the others by GRPO on their group (advantage
/// r − group mean, no std, `grpo_use_std=False`). L = sft_loss_coef·L_SFT(switched demonstrations) + L_GRPO(kept groups),
/// each a token mean. Each step samples its share of the completions (T = S + R steps); demonstrations are used only
/// for switched prompts.
/// </summary>
public sealed class Hpt : Schedule
{
    public static readonly ScheduleInfo Entry = new("hpt",
        "per prompt: SFT on its demonstration when at most γ of its G rollouts are correct, else GRPO on the group",
        "Lv et al., arXiv 2509.04419; TsinghuaC3I/Unify-Post-Training mix_trainer.py select_on_off_ada_balance",
        [
            new ScheduleParameter("gamma", 0, 0, 64, "switch gate γ: the most correct rollouts a prompt may have and still go to SFT", Integer: true),
            new ScheduleParameter("sft_loss_coef", 1.0, 0, 100, "weight of the SFT term"),
        ], HasSftTerm: true, (i, v, w, n) => new Hpt { Info = i, Values = v, SftWeight = w, Name = n }) { SweepValues = [1, 2, 4] };

    public override Grpo.GrpoOptions AdvantageOptions(Grpo.GrpoOptions grpo) => grpo with { ScaleRewards = Grpo.ScaleRewards.None };

    /// <summary>The gate: which prompts go to SFT, given each prompt's count of correct rollouts.</summary>
    public static bool[] ToSft(IReadOnlyList<int> correct, int gamma) => correct.Select(c => c <= gamma).ToArray();

    public override int TotalSteps(ScheduleShape shape) => shape.TotalSteps;

    public override StepPlan Plan(int step, ScheduleShape shape) => new("rl", MixedPrompts(step, shape), 0);

    public override ScheduleLoss Loss(ScheduleStep s)
    {
        var toSft = ToSft(Enumerable.Range(0, s.Prompts.Count).Select(s.Correct).ToList(), (int)this["gamma"]);
        var rl = s.GrpoTerm(s.RowSelection(k => !toSft[k]));
        var demos = s.PromptDemos.Where((_, k) => toSft[k]).ToList();
        var metrics = new Dictionary<string, double> { ["hpt/sft_prompts"] = demos.Count, ["loss/rl"] = rl.ToDouble() };
        if (demos.Count == 0) return new(rl, 0, metrics);
        var d = s.DemoLogpsOf(demos);
        var sft = SftTokenLoss.Compute(d.Logps, d.Mask, SftWeight);
        metrics["loss/sft"] = sft.ToDouble();
        return new(rl + this["sft_loss_coef"] * sft, demos.Count, metrics);
    }
}
