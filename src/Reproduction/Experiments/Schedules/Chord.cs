using TorchSharp;

namespace Reproduction.Experiments.Schedules;

/// <summary>
/// CHORD (Zhang et al., arXiv 2508.11408), as Trinity-RFT computes it (`trinity/algorithm/policy_loss_fn/chord_policy_loss.py`,
/// `MIXCHORDPolicyLossFn`): L(t) = (1 − μ(t))·L_GRPO + μ(t)·L_SFT, the GRPO term a token mean over the step's on-policy
/// completions and the SFT term a token mean over its expert (demonstration) tokens, each normalised within its own
/// kind so the mix ratio does not dilute either. μ(t) (`mu_schedule_function`): μ_peak·t/W during a warm-up of W steps,
/// then a cosine from μ_peak down to μ_valley over D steps, then μ_valley. CHORD-φ keeps μ constant and weights each
/// SFT token by sg(p·(1 − p)) (<see cref="SftTokenWeight.Phi"/>). Each step samples its share of the completions and
/// takes its share of the demonstrations (T = S + R steps); t counts steps from 0.
/// </summary>
public sealed class Chord : Schedule
{
    public static readonly ScheduleInfo MuEntry = new("chord-mu",
        "(1−μ_t)·L_GRPO + μ_t·L_SFT, μ warm-up to mu_peak then cosine decay to mu_valley over mu_decay_steps",
        "Zhang et al., arXiv 2508.11408; Trinity-RFT chord_policy_loss.py (examples/mix_chord: chord-mu)",
        [
            new ScheduleParameter("mu_peak", 0.9, 0, 1, "μ at the end of the warm-up"),
            new ScheduleParameter("mu_valley", 0.05, 0, 1, "μ after the decay"),
            new ScheduleParameter("mu_warmup_steps", 0, 0, 1_000_000, "linear warm-up steps W", Integer: true),
            new ScheduleParameter("mu_decay_steps", 200, 0, 1_000_000, "cosine decay steps D", Integer: true),
        ], HasSftTerm: true, (i, v, w, n) => new Chord { Info = i, Values = v, SftWeight = w, Name = n }) { SweepValues = [0.5, 0.3] };

    public static readonly ScheduleInfo PhiEntry = new("chord-phi",
        "(1−μ)·L_GRPO + μ·L_SFT with μ constant and each SFT token weighted by sg(p·(1−p))",
        "Zhang et al., arXiv 2508.11408; Trinity-RFT SFTPhiLossFn (examples/mix_chord: chord-phi)",
        [new ScheduleParameter("mu", 0.1, 0, 1, "the constant μ")], HasSftTerm: false,
        (i, v, w, n) => new Chord { Info = i, Values = v, SftWeight = SftTokenWeight.Phi, Name = n }) { SweepValues = [0.3, 0.6] };

    public override bool NeedsDemonstrations => true;

    /// <summary>Trinity-RFT's `mu_schedule_function(t, W, D, μ_peak, μ_valley)`.</summary>
    public static double Mu(int t, int warmup, int decay, double peak, double valley)
    {
        if (t < warmup) return (double)t / warmup * peak;
        if (t >= warmup + decay) return valley;
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * (t - warmup) / decay));
        return (peak - valley) * cosine + valley;
    }

    /// <summary>μ at step t (from 0): the schedule, or CHORD-φ's constant.</summary>
    public double MuAt(int t) => Values.TryGetValue("mu", out var mu) ? mu
        : Mu(t, (int)this["mu_warmup_steps"], (int)this["mu_decay_steps"], this["mu_peak"], this["mu_valley"]);

    public override int TotalSteps(ScheduleShape shape) => shape.TotalSteps;

    public override StepPlan Plan(int step, ScheduleShape shape) => new("rl", MixedPrompts(step, shape), MixedDemos(step, shape));

    public override ScheduleLoss Loss(ScheduleStep s)
    {
        double mu = MuAt(s.Step - 1);
        var rl = s.GrpoTerm();
        var sft = StreamSft(s);
        return new((1 - mu) * rl + mu * sft, s.StreamDemos.Count,
            new Dictionary<string, double> { ["mu"] = mu, ["loss/rl"] = rl.ToDouble(), ["loss/sft"] = sft.ToDouble() });
    }
}
