using Reproduction.Theory.Trainers;

namespace Reproduction.Theory.Checks;

/// <summary>Both couplings as stochastic dynamics of the tabular GRPO (paper.md §3.4 "Stochastic variant", §3.5 (iv)).</summary>
public static class GrpoChecks
{
    /// <summary>The fraction of instances in which the coupling must show (statistical threshold, fixed seeds).</summary>
    public const double RequiredFraction = 0.9;

    /// <summary>An SFT-then-RL GRPO instance: full-support data (Dirichlet(1), floored), uniform q, reward uniform in [−1,1] (non-constant a.s.).</summary>
    public static SftThenRlInstance SftThenRlInstance(InstanceSampler s)
    {
        int nx = s.Int(1, 3), ny = s.Int(2, 5);
        var data = TabularPolicy.FromProbabilities(Enumerable.Range(0, nx).Select(_ => s.Simplex(ny, 1).Select(v => 0.9 * v + 0.1 / ny).ToArray()).ToArray());
        return new SftThenRlInstance(PromptDistribution.Uniform(nx), data, data, s.Rewards(nx, ny, RewardKind.Uniform), 0.05);
    }

    /// <summary>Runs GRPO from p⁽¹⁾ = p_D with π_ref = p_D; returns (ΔL, ΔJ).</summary>
    public static (double LossChange, double RewardChange) SftThenRl(SftThenRlInstance i, int seed, int steps = 60)
    {
        var after = TabularGrpo.Run(i.Q, i.SftCheckpoint, i.R, i.SftCheckpoint, new GrpoOptions(steps, KlCoefficient: i.Beta, Seed: seed));
        return (SftLoss.Expected(i.Q, i.Data, after) - SftLoss.Expected(i.Q, i.Data, i.SftCheckpoint),
                RewardObjective.J(i.Q, after, i.R) - RewardObjective.J(i.Q, i.SftCheckpoint, i.R));
    }

    public static TheoryCheck SftThenRlDynamics => new("grpo-tabular-sft-then-rl",
        "From p⁽¹⁾ = p_D with r non-constant on the support, tabular GRPO raises the reward and the SFT loss rises over the RL steps",
        CheckSource.Derived, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("grpo-tabular-sft-then-rl");
            var t = new MarginTracker();
            int n = Math.Max(20, ctx.Cases / 5), both = 0;
            for (int c = 0; c < n; c++)
            {
                var i = SftThenRlInstance(s);
                var (dl, dj) = SftThenRl(i, seed: 1000 + c);
                t.Record(dl, dl > 0, () => $"SFT loss did not rise (ΔL={dl}, ΔJ={dj}): {i}");
                if (dl > 0 && dj > 0) both++;
            }
            var fraction = (double)both / n;
            t.RecordFraction(both, n, RequiredFraction, () => $"reward and SFT loss rose together in only {fraction:P0}");
            return new CheckOutcome(t, $"{n} instances, 60 GRPO steps (G=8, 4 prompts/step, lr 0.5, clip 0.2, k3 β=0.05, seeds 1000+); ΔL > 0 and ΔJ > 0 together in {fraction:P0}");
        });

    /// <summary>
    /// An RL-then-SFT GRPO instance: RL (no KL penalty) from the uniform policy until near the argmax, then SFT steps on data
    /// with full support (so not supported on the reward argmax). Returns (J after RL, J after SFT).
    /// </summary>
    public static (double RlReward, double SftReward) RlThenSft(InstanceSampler s, int seed)
    {
        int nx = s.Int(1, 3), ny = s.Int(2, 5);
        var q = PromptDistribution.Uniform(nx);
        var r = s.SeparatedRewards(nx, ny, 0.2);
        var rl = TabularGrpo.Run(q, TabularPolicy.Uniform(nx, ny), r, TabularPolicy.Uniform(nx, ny), new GrpoOptions(150, Seed: seed));
        var data = s.Policy(nx, ny, 1);
        var sft = SftDescent.Run(q, data, rl, new GradientOptions(0.5, 30));
        return (RewardObjective.J(q, rl, r), RewardObjective.J(q, sft, r));
    }

    public static TheoryCheck RlThenSftDynamics => new("grpo-tabular-rl-then-sft",
        "From an RL-converged tabular GRPO policy, SFT gradient steps on data not supported on the reward argmax lower J",
        CheckSource.Derived, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("grpo-tabular-rl-then-sft");
            var t = new MarginTracker();
            int n = Math.Max(20, ctx.Cases / 5), dropped = 0;
            for (int c = 0; c < n; c++)
            {
                var (jRl, jSft) = RlThenSft(s, 2000 + c);
                if (jSft < jRl) dropped++;
            }
            var fraction = (double)dropped / n;
            t.RecordFraction(dropped, n, RequiredFraction, () => $"J dropped in only {fraction:P0} of runs");
            return new CheckOutcome(t, $"{n} instances, 150 GRPO steps without KL then 30 SFT steps (lr 0.5); J dropped in {fraction:P0}. Contrast thm41-as-stated (ii),(iv): SFT on argmax data raises J");
        });

    public static IEnumerable<TheoryCheck> All => [SftThenRlDynamics, RlThenSftDynamics];
}
