using Reproduction.Theory.Checks;
using Reproduction.Theory.Trainers;

namespace Reproduction.Theory.Statements;

/// <summary>An RL-then-SFT GRPO instance: uniform q, rewards separated by 0.2, full-support SFT data, and the GRPO seed.</summary>
public sealed record GrpoRlThenSftCase(PromptDistribution Q, RewardTable R, TabularPolicy Data, int Seed)
{
    public override string ToString() => $"{Q}, {R}, p_D={Data}, seed={Seed}";
}

/// <summary>Both couplings as stochastic dynamics of the tabular GRPO (paper.md §3.4 "Stochastic variant", §3.5 (iv)).</summary>
public static class GrpoStatements
{
    /// <summary>The fraction of instances in which the coupling must show (statistical threshold, fixed seeds).</summary>
    public const double RequiredFraction = 0.9;

    /// <summary>Tables of 1–3 prompts and 2–5 responses.</summary>
    public static readonly SizeRange Tables = new(1, 3, 2, 5);

    /// <summary>GRPO runs are expensive: a run of n cases draws max(20, n/5) instances.</summary>
    private static int Instances(int cases) => Math.Max(20, cases / 5);

    /// <summary>An SFT-then-RL GRPO instance: full-support data (Dirichlet(1), floored), uniform q, reward uniform in [−1,1] (non-constant a.s.).</summary>
    public static SftThenRlInstance SftThenRlInstance(CaseSeed c)
    {
        var (s, nx, ny) = (c.Sampler, c.Size.Prompts, c.Size.Responses);
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

    public static Statement<(SftThenRlInstance Instance, int Seed)> SftThenRlDynamics { get; } = new()
    {
        Id = "grpo-tabular-sft-then-rl",
        Text = "From p⁽¹⁾ = p_D with r non-constant on the support, tabular GRPO raises the reward and the SFT loss rises over the RL steps",
        Source = CheckSource.Derived,
        Expected = Verdict.Holds,
        Sizes = Tables,
        CaseCount = Instances,
        Instance = c => (SftThenRlInstance(c), 1000 + c.Index),
        Sides = c =>
        {
            var (i, seed) = c;
            var (dl, dj) = SftThenRl(i, seed);
            var e = new CaseEvaluation().Less("0 < ΔL (the SFT loss rises)", 0, dl, () => $"SFT loss did not rise (ΔL={dl}, ΔJ={dj}): {i}");
            return dl > 0 && dj > 0 ? e.Count("both rose") : e;
        },
        Conclude = p => p.RequireShare("both rose", RequiredFraction, "ΔL > 0 and ΔJ > 0 together in ≥ 90%", f => $"reward and SFT loss rose together in only {f:P0}"),
        Note = p => $"{p.Drawn.Count} instances, 60 GRPO steps (G=8, 4 prompts/step, lr 0.5, clip 0.2, k3 β=0.05, seeds 1000+); ΔL > 0 and ΔJ > 0 together in {p.Share("both rose"):P0}",
    };

    /// <summary>
    /// RL (no KL penalty) from the uniform policy until near the argmax, then SFT steps on data with full support (so not
    /// supported on the reward argmax). Returns (J after RL, J after SFT).
    /// </summary>
    public static (double RlReward, double SftReward) RlThenSft(GrpoRlThenSftCase c)
    {
        var (nx, ny) = (c.R.Prompts, c.R.Responses);
        var rl = TabularGrpo.Run(c.Q, TabularPolicy.Uniform(nx, ny), c.R, TabularPolicy.Uniform(nx, ny), new GrpoOptions(150, Seed: c.Seed));
        var sft = SftDescent.Run(c.Q, c.Data, rl, new GradientOptions(0.5, 30));
        return (RewardObjective.J(c.Q, rl, c.R), RewardObjective.J(c.Q, sft, c.R));
    }

    public static Statement<GrpoRlThenSftCase> RlThenSftDynamics { get; } = new()
    {
        Id = "grpo-tabular-rl-then-sft",
        Text = "From an RL-converged tabular GRPO policy, SFT gradient steps on data not supported on the reward argmax lower J",
        Source = CheckSource.Derived,
        Expected = Verdict.Holds,
        Sizes = Tables,
        CaseCount = Instances,
        Instance = c =>
        {
            var (s, nx, ny) = (c.Sampler, c.Size.Prompts, c.Size.Responses);
            var r = s.SeparatedRewards(nx, ny, 0.2);
            return new GrpoRlThenSftCase(PromptDistribution.Uniform(nx), r, s.Policy(nx, ny, 1), 2000 + c.Index);
        },
        // No claim per run: SFT may raise J in a run; the statement is about the fraction of runs (Conclude).
        Sides = c =>
        {
            var (jRl, jSft) = RlThenSft(c);
            var e = new CaseEvaluation();
            return jSft < jRl ? e.Count("dropped") : e;
        },
        Conclude = p => p.RequireShare("dropped", RequiredFraction, "J dropped in ≥ 90% of runs", f => $"J dropped in only {f:P0} of runs"),
        Note = p => $"{p.Drawn.Count} instances, 150 GRPO steps without KL then 30 SFT steps (lr 0.5); J dropped in {p.Share("dropped"):P0}. Contrast thm41-as-stated (ii),(iv): SFT on argmax data raises J",
    };

    public static IEnumerable<TheoremStatement> All => [SftThenRlDynamics, RlThenSftDynamics];
}
