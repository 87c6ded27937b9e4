using Reproduction.Theory.Checks;

namespace Reproduction.Theory.Statements;

/// <summary>An RL-then-SFT pair p₁ → p₂ with rewards and a KL budget B (Proposition 1 assumes E_q KL(p₂‖p₁) ≤ B).</summary>
public sealed record BudgetCase(PromptDistribution Q, TabularPolicy P1, TabularPolicy P2, RewardTable R, double Budget)
{
    public double Kl => Divergence.ExpectedKl(Q, P2, P1);
    public override string ToString() => $"{Q}, p1={P1}, p2={P2}, {R}, B={Budget:G6}";
}

/// <summary>Proposition 1 (Eq. 14–15; paper.md §3.5).</summary>
public static class Proposition1Statements
{
    public static Statement<BudgetCase> Bound { get; } = new()
    {
        Id = "prop1-bound",
        Text = "|J(p₂) − J(p₁)| ≤ R_max·√(2B) for every B ≥ E_q KL(p₂‖p₁) (Eq. 15, both sides)",
        Source = CheckSource.Paper,
        Expected = Verdict.Holds,
        Sizes = SizeRange.Tables,
        Instance = c =>
        {
            var (s, nx, ny) = (c.Sampler, c.Size.Prompts, c.Size.Responses);
            var q = s.Prompts(nx, s.Pick(InstanceSampler.Alphas), s.Bernoulli(0.3));
            var p1 = s.Bernoulli(0.7) ? s.Policy(nx, ny, s.Pick(InstanceSampler.Alphas)) : s.SparsePolicy(nx, ny, 1);
            var p2 = s.Bernoulli(0.9) ? TheoremInstances.SupportedOn(s, p1) : s.Policy(nx, ny, 1);
            var r = s.Rewards(nx, ny, s.Pick(new[] { RewardKind.BinaryPlusMinusOne, RewardKind.Uniform }), s.Uniform(0.1, 3));
            var kl = Divergence.ExpectedKl(q, p2, p1);
            // B = KL, or KL·(1 + U[0,1]); no budget is finite when KL = +∞.
            var budget = double.IsPositiveInfinity(kl) ? kl : kl * (1 + (s.Bernoulli(0.5) ? 0 : s.Uniform(0, 1)));
            return new BudgetCase(q, p1, p2, r, budget);
        },
        Sides = i =>
        {
            var e = new CaseEvaluation();
            var kl = i.Kl;
            if (double.IsPositiveInfinity(kl)) return e.Count("skipped"); // the bound is vacuous (§3.5 edge case)
            if (!(kl <= i.Budget)) return e;                               // the premise E_q KL ≤ B fails
            var change = RlThenSftCoupling.RewardChange(i.Q, i.P1, i.P2, i.R);
            return e.AtMost("|J(p₂) − J(p₁)| ≤ R_max·√(2B)", Math.Abs(change), RlThenSftCoupling.Proposition1Bound(i.R.RMax, i.Budget), () => $"|ΔJ|={Math.Abs(change)} > R_max√(2B), B={i.Budget}", i.R.RMax);
        },
        Note = p => $"{p.Sum("skipped")} draws with KL = +∞ skipped (bound vacuous); B = 0 forces p₂ = p₁ on supp q",
    };

    /// <summary>The tightness family: one prompt, r = (+R, −R), p₁ = (½,½), p₂ = (½+ε, ½−ε); returns LHS/RHS.</summary>
    public static double TightnessRatio(double epsilon, double rMax = 1.0)
    {
        var q = PromptDistribution.Uniform(1);
        var p1 = TabularPolicy.FromProbabilities([[0.5, 0.5]]);
        var p2 = TabularPolicy.FromProbabilities([[0.5 + epsilon, 0.5 - epsilon]]);
        var r = new RewardTable([[rMax, -rMax]]);
        return RlThenSftCoupling.RewardChange(q, p1, p2, r) / RlThenSftCoupling.Proposition1Bound(rMax, Divergence.ExpectedKl(q, p2, p1));
    }

    /// <summary>How close to 1 the ratio must come at the smallest ε (1 − ratio ≈ ε²/3: 3.3e-7 at ε = 1e-3).</summary>
    public const double TightnessDeficit = 1e-5;

    /// <summary>The ε sequence of the tightness check, shrinking to 1e-3.</summary>
    public static readonly double[] Epsilons = [0.4, 0.1, 0.03, 1e-2, 3e-3, 1e-3];

    public static Statement<double[]> Tight { get; } = new()
    {
        Id = "prop1-tight",
        Text = "The constant in Eq. (15) is sharp: for r = (±R), p₁ = (½,½), p₂ = (½+ε,½−ε), ΔJ / (R_max√(2KL)) → 1 as ε → 0",
        Source = CheckSource.Derived,
        Expected = Verdict.Holds,
        Named = [Epsilons],
        CaseCount = _ => 0,
        Instance = _ => Epsilons,
        Sides = epsilons =>
        {
            var e = new CaseEvaluation();
            double previous = 0;
            foreach (var eps in epsilons)
            {
                var ratio = TightnessRatio(eps);
                var before = previous;
                e.AtMost("ratio ≤ 1", ratio, 1, () => $"ratio {ratio} > 1 at eps={eps}");
                e.AtMost("ratio rises as ε shrinks", previous, ratio, () => $"ratio not increasing as eps shrinks: {before} -> {ratio} at eps={eps}");
                previous = ratio;
            }
            var last = epsilons[^1];
            e.Count("final ratio", previous);
            return e.Criterion("ratio within 1e-5 of 1 at the smallest ε", previous - (1 - TightnessDeficit), previous > 1 - TightnessDeficit, () => $"ratio at eps={last} is {previous}, not within {TightnessDeficit} of 1");
        },
        Note = p => $"ratio at ε = 1e-3: {p.Named[0].Evaluation["final ratio"]:F9} (KL ≈ 2ε², so √(2KL) ≈ 2ε = ΔJ/R)",
    };

    public static IEnumerable<TheoremStatement> All => [Bound, Tight];
}
