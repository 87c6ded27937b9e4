using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Experiments.Schedules;

/// <summary>
/// LUFFY (Yan et al., arXiv 2504.14945), as ElliottYan/LUFFY computes it (`mix_core_alg.py::compute_token_on_off_policy_loss`,
/// `exp_scripts/train.sh`): each GRPO group holds G − 1 sampled completions and one expert completion, all scored;
/// A = r − mean over the whole group (expert included, no std). Sampled tokens take −A·ratio (unclipped,
/// `loss_remove_clip`), expert tokens −A·f(p_t) with policy shaping f(p) = p/(p + γ) (γ = 0.1, `p_div_p_0.1`; nothing
/// detached, the behaviour probability taken as 1). The expert completion is the prompt's true label in the RL answer
/// format, which the training reward accepts. Token mean over all tokens (LUFFY divides the sum by the padded length,
/// a constant). Each step samples its share of the completions (T = S + R steps, G − 1 sampled per prompt).
/// </summary>
public sealed class Luffy : Schedule
{
    public static readonly ScheduleInfo Entry = new("luffy",
        "one expert completion in each GRPO group (G−1 sampled + 1 expert), A = r − group mean; expert tokens −A·p/(p+γ), no clip",
        "Yan et al., arXiv 2504.14945; ElliottYan/LUFFY mix_core_alg.py compute_token_on_off_policy_loss",
        [new ScheduleParameter("shaping_gamma", 0.1, 1e-6, 10, "γ of the policy shaping f(p) = p/(p + γ)")], HasSftTerm: false,
        (i, v, w, n) => new Luffy { Info = i, Values = v, SftWeight = w, Name = n });

    public override int ExpertsPerGroup => 1;

    /// <summary>The published loss has no KL term (`use_kl_loss=False`).</summary>
    public override bool HasKlTerm => false;

    public override Grpo.GrpoOptions AdvantageOptions(Grpo.GrpoOptions grpo) => grpo with { ScaleRewards = Grpo.ScaleRewards.None };

    /// <summary>
    /// LUFFY's per-token loss, token mean over <paramref name="mask"/>: sampled rows −A·exp(ℓ − sg ℓ), expert rows
    /// −A·p/(p + γ) with p = exp(ℓ).
    /// </summary>
    public static Tensor TokenLoss(Tensor logps, Tensor advantages, Tensor mask, Tensor isExpert, double gamma)
    {
        var a = advantages.unsqueeze(1);
        var onPolicy = -a * (logps - logps.detach()).exp();
        var p = logps.exp();
        var offPolicy = -a * (p / (p + gamma));
        var expert = isExpert.to(logps.dtype).unsqueeze(1);
        var perToken = offPolicy * expert + onPolicy * (1 - expert);
        return (perToken * mask).sum() / mask.sum().clamp(min: 1.0);
    }

    public override int TotalSteps(ScheduleShape shape) => shape.TotalSteps;

    public override StepPlan Plan(int step, ScheduleShape shape) => new("rl", MixedPrompts(step, shape), 0);

    public override ScheduleLoss Loss(ScheduleStep s)
    {
        var (logps, _) = s.Policy();
        var isExpert = torch.tensor(s.IsExpert, device: logps.device);
        var loss = TokenLoss(logps, s.Advantages, s.CompletionMask, isExpert, this["shaping_gamma"]);
        double expertReward = s.Rewards.Where((_, r) => s.IsExpert[r]).DefaultIfEmpty(double.NaN).Average();
        return new(loss, s.IsExpert.Count(e => e), new Dictionary<string, double> { ["luffy/expert_reward"] = expertReward });
    }
}
