using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Experiments.Schedules;

/// <summary>
/// SRFT (Fu et al., arXiv 2506.19767), as TsinghuaC3I/Unify-Post-Training re-implements it (`mix_actor.py`
/// `offline_loss_type="srft"`, `mix_core_alg.py::compute_token_on_off_policy_srft_loss`, `srft_type="paper"`): groups
/// of G − 1 sampled completions and one demonstration, as LUFFY's. With H̄_i the policy's mean token entropy on
/// sequence i (detached): L = token-mean over demonstration tokens of −w_SFT,i·log p, w_SFT,i = 0.5·exp(−H̄_i),
/// plus a token mean over every row of the group terms: correct sampled rows −w_RL,i·log p with w_RL,i = 0.1·exp(H̄_i),
/// wrong sampled rows +log p, and the demonstration's LUFFY term −A·p/(p + 0.1) (A = r − group mean). The published
/// code divides that second part by the padded length (a constant) instead of the token count.
/// </summary>
public sealed class Srft : Schedule
{
    public static readonly ScheduleInfo Entry = new("srft",
        "w_SFT·CE(demo) + on-policy likelihood on correct (w_RL) and unlikelihood on wrong rollouts, entropy-weighted",
        "Fu et al., arXiv 2506.19767; TsinghuaC3I/Unify-Post-Training mix_actor.py offline_loss_type=srft",
        [
            new ScheduleParameter("sft_weight", 0.5, 0, 100, "w_SFT = sft_weight·exp(−H̄)"),
            new ScheduleParameter("rl_weight", 0.1, 0, 100, "w_RL = rl_weight·exp(H̄)"),
        ], HasSftTerm: false, (i, v, w, n) => new Srft { Info = i, Values = v, SftWeight = w, Name = n });

    public override int ExpertsPerGroup => 1;

    /// <summary>The published loss has no KL term (`use_kl_loss=False`).</summary>
    public override bool HasKlTerm => false;

    public override Grpo.GrpoOptions AdvantageOptions(Grpo.GrpoOptions grpo) => grpo with { ScaleRewards = Grpo.ScaleRewards.None };

    /// <summary>
    /// SRFT's loss on one batch of rows. <paramref name="entropy"/> [rows, C] is the policy's per-token entropy (detached);
    /// <paramref name="correct"/> and <paramref name="isExpert"/> [rows] flag correct sampled rows and demonstrations.
    /// </summary>
    public static Tensor Loss(Tensor logps, Tensor entropy, Tensor advantages, Tensor mask, Tensor correct, Tensor isExpert, double sftWeight, double rlWeight)
    {
        var m = mask.to(logps.dtype);
        var meanEntropy = (entropy.detach() * m).sum(1) / m.sum(1).clamp(min: 1.0);            // H̄_i per row
        var expert = isExpert.to(logps.dtype);
        var good = correct.to(logps.dtype) * (1 - expert);
        var bad = (1 - correct.to(logps.dtype)) * (1 - expert);
        var wSft = (sftWeight * (-meanEntropy).exp()).unsqueeze(1);
        var wRl = (rlWeight * meanEntropy.exp()).unsqueeze(1);
        var demoMask = m * expert.unsqueeze(1);
        var sft = (-(wSft * logps) * demoMask).sum() / demoMask.sum().clamp(min: 1.0);
        var p = logps.exp();
        var perToken = -wRl * logps * good.unsqueeze(1) + logps * bad.unsqueeze(1) - advantages.unsqueeze(1) * (p / (p + 0.1)) * expert.unsqueeze(1);
        var groupTerm = (perToken * m).sum() / m.sum().clamp(min: 1.0);
        return sft + groupTerm;
    }

    public override int TotalSteps(ScheduleShape shape) => shape.TotalSteps;

    public override StepPlan Plan(int step, ScheduleShape shape) => new("rl", MixedPrompts(step, shape), 0);

    public override ScheduleLoss Loss(ScheduleStep s)
    {
        var (logps, entropy) = s.Policy();
        var dev = logps.device;
        var loss = Loss(logps, entropy, s.Advantages, s.CompletionMask, torch.tensor(s.Rewards.Select(r => r > 0).ToArray(), device: dev),
            torch.tensor(s.IsExpert, device: dev), this["sft_weight"], this["rl_weight"]);
        return new(loss, s.IsExpert.Count(e => e), new Dictionary<string, double>());
    }
}
