using Reproduction.Theory.Checks;

namespace Reproduction.Theory.Statements;

/// <summary>
/// A KL-growth case: p₁, the curve π_t ∝ p₁·e^{−t·r}, an estimation sample and an independent check sample of it. Along the curve
/// (J(p₁) − J(π_t)) / E_q KL(π_t‖p₁) = ∫₀ᵗ ψ'' / ∫₀ᵗ s·ψ'' (ψ the cumulant function of −r under p₁) falls as t grows while the KL
/// rises, so λ estimated at the farthest estimation point (the ball's radius A is its KL) holds on the whole ball [derived].
/// </summary>
public sealed record KlGrowthCase(PromptDistribution Q, TabularPolicy P1, RewardTable R, IReadOnlyList<TabularPolicy> Estimation, IReadOnlyList<TabularPolicy> Check)
{
    /// <summary>The radius of the ball the estimation sample spans: its largest E_q KL(π‖p₁).</summary>
    public double RadiusA => Estimation.Max(p => Divergence.ExpectedKl(Q, p, P1));

    /// <summary>The largest λ the hypothesis allows on the estimation sample.</summary>
    public double Lambda => RlThenSftCoupling.KlGrowthLambda(Q, P1, R, Estimation, RadiusA);

    public override string ToString() => $"{Q}, p1={P1}, {R}, {Estimation.Count} estimation and {Check.Count} check points";
}

/// <summary>Theorem 4.1, RL-then-SFT (paper.md §2, §3.5): refuted as printed; the corrected statements hold.</summary>
public static class Theorem41Statements
{
    private static RlThenSftInstance RlThenSft(CaseSeed c) => TheoremInstances.RlThenSft(c.Sampler, c.Size.Prompts, c.Size.Responses);

    public static Statement<Theorem41Instance> AsStated { get; } = new()
    {
        Id = "thm41-as-stated",
        Text = "Theorem 4.1 as printed: Assumption 3 (a ≤ E_q KL(p₂‖p₁) ≤ A) ⇒ J(p₂) ≤ J(p₁) − C₂ for some C₂ > 0",
        Source = CheckSource.Paper,
        Expected = Verdict.Refuted,
        Sizes = SizeRange.Tables,
        Named = Counterexamples.Theorem41,
        // A random pair p₁ = p*, p₂ ≪ p₁ with the tightest interval [a, A] = [KL, KL]; Assumption 3 then holds iff 0 < KL < ∞.
        Instance = c =>
        {
            var i = RlThenSft(c);
            var kl = Divergence.ExpectedKl(i.Q, i.P2, i.P1);
            return new Theorem41Instance("random", i.Q, i.R, i.P1, i.P2, kl, kl);
        },
        Sides = i =>
        {
            var e = new CaseEvaluation();
            if (!i.SatisfiesAssumption3) return e.Count("unsatisfiable");
            if (i.J2 >= i.J1) e.Count("not lowered");
            // Statement: J(p2) < J(p1) (some C2 > 0). Margin: J(p1) − J(p2), must be > 0.
            return e.Less("J(p₂) < J(p₁)", i.J2, i.J1, i.ToString);
        },
        Note = p =>
        {
            var notes = new List<string>();
            bool first = true;
            foreach (var (i, e) in p.Named)
            {
                if (e.IsVacuous) notes.Add($"{i.Name}: KL(p2||p1)={i.Kl} — Assumption 3 unsatisfiable for every p2 ≠ p1");
                else if (!e.Holds && !first) notes.Add(i.ToString()); // the first refutation is the row's counterexample
                if (!e.Holds) first = false;
            }
            notes.Add($"random p₁ = p*, p₂ ≪ p₁: J(p₂) ≥ J(p₁) in {p.Count("not lowered")}/{p.RequestedCases}");
            return string.Join(" ; ", notes);
        },
    };

    /// <summary>
    /// An Assumption 3 interval [a, A] drawn without looking at any instance: a log-uniform in [1e-3, 3], A/a
    /// log-uniform in [1, 1000]. An instance satisfies the assumption only when its KL happens to fall inside.
    /// </summary>
    public static (double A, double UpperA) AssumptionInterval(InstanceSampler s)
    {
        var a = Math.Exp(s.Uniform(Math.Log(1e-3), Math.Log(3)));
        return (a, a * Math.Exp(s.Uniform(0, Math.Log(1000))));
    }

    public static Statement<(RlThenSftInstance Instance, double A, double UpperA)> Regularised { get; } = new()
    {
        Id = "thm41-regularised",
        Text = "Corrected: for p₁ = p*, J_β(p₁) − J_β(p₂) = β·E_q KL(p₂‖p₁) ∈ [β·a, β·A] under Assumption 3 [derived]",
        Source = CheckSource.Derived,
        Expected = Verdict.Holds,
        Sizes = SizeRange.Tables,
        Instance = c =>
        {
            var i = RlThenSft(c);
            var (a, upper) = AssumptionInterval(c.Sampler);
            return (i, a, upper);
        },
        Sides = c =>
        {
            var (i, a, upper) = c;
            var e = new CaseEvaluation();
            var p1 = i.P1;
            var drop = RewardObjective.JBeta(i.Q, p1, i.R, i.Beta, i.RefPolicy) - RewardObjective.JBeta(i.Q, i.P2, i.R, i.Beta, i.RefPolicy);
            var exact = RlThenSftCoupling.RegularisedDrop(i.Q, p1, i.P2, i.Beta);
            e.Equal("J_β(p₁) − J_β(p₂) = β·E_q KL(p₂‖p₁)", drop, exact, () => $"drop {drop} vs beta·KL {exact}: {i}", i.R.RMax + i.Beta);
            var kl = Divergence.ExpectedKl(i.Q, i.P2, p1);
            if (!(a <= kl && kl <= upper)) return e;                        // Assumption 3 fails for this [a, A]
            return e.Count("assumed")
                .AtMost("β·a ≤ J_β(p₁) − J_β(p₂)", i.Beta * a, drop, () => $"drop {drop} < beta·a, a = {a}: {i}", i.R.RMax + i.Beta)
                .AtMost("J_β(p₁) − J_β(p₂) ≤ β·A", drop, i.Beta * upper, () => $"drop {drop} > beta·A, A = {upper}: {i}", i.R.RMax + i.Beta);
        },
        Conclude = p => p.RequireSome("assumed", "Assumption 3 held somewhere", "Assumption 3 never held: the bracket was never checked"),
        Note = p => $"Assumption 3 held for {p.Count("assumed")}/{p.RequestedCases} intervals; so C₂ = β·a is a theorem for the regularised objective J_β, not for J",
    };

    public static Statement<RlThenSftInstance> Decomposition { get; } = new()
    {
        Id = "thm41-decomposition",
        Text = "Corrected: J(p₂) − J(p₁) = β·E_q[KL(p₂‖π_ref) − KL(p₁‖π_ref)] − β·E_q KL(p₂‖p₁) for p₁ = p* [derived]",
        Source = CheckSource.Derived,
        Expected = Verdict.Holds,
        Sizes = SizeRange.Tables,
        Instance = RlThenSft,
        Sides = i =>
        {
            var change = RlThenSftCoupling.RewardChange(i.Q, i.P1, i.P2, i.R);
            var decomposition = RlThenSftCoupling.RewardChangeDecomposition(i.Q, i.P1, i.P2, i.RefPolicy, i.Beta);
            return new CaseEvaluation().Equal("ΔJ = β·ΔKL(·‖π_ref) − β·E_q KL(p₂‖p₁)", change, decomposition, () => $"ΔJ {change} vs decomposition {decomposition}: {i}", i.R.RMax + i.Beta);
        },
        Note = _ => "J drops iff SFT moves the policy less far from π_ref (in KL) than from p₁",
    };

    public static Statement<KlGrowthCase> Conditional { get; } = new()
    {
        Id = "thm41-conditional",
        Text = "What the proof shows: if J(π) ≤ J(p₁) − λ·E_q KL(π‖p₁) on the KL ball of radius A (λ > 0), then J(p₂) ≤ J(p₁) − λa (λ estimated on one sample of a policy curve, the conclusion checked on an independent one) [derived]",
        Source = CheckSource.Derived,
        Expected = Verdict.Holds,
        Sizes = new(1, 3, 2, 5),
        Instance = KlGrowthInstance,
        Sides = k =>
        {
            var e = new CaseEvaluation();
            var lambda = k.Lambda;
            if (!(lambda > 0) || double.IsInfinity(lambda)) return e;           // the hypothesis fails: nothing to conclude
            e.Count("hypothesis");
            var j1 = RewardObjective.J(k.Q, k.P1, k.R);
            var radius = k.RadiusA;
            foreach (var p2 in k.Check)
            {
                var a = Divergence.ExpectedKl(k.Q, p2, k.P1);                 // the largest a with a ≤ KL(p₂‖p₁)
                if (!(a > 0) || a > radius) continue;
                e.Count("concluded");
                var j2 = RewardObjective.J(k.Q, p2, k.R);
                e.AtMost("J(p₂) ≤ J(p₁) − λa", j2, j1 - lambda * a, () => $"J(p2)={j2} > J(p1) − λa = {j1 - lambda * a}", k.R.RMax);
            }
            return e;
        },
        Conclude = p => p.RequireSome("concluded", "a check point fell inside the ball", "no check point fell inside the ball: the check was vacuous"),
        Note = p => $"hypothesis held (λ > 0) on {p.Count("hypothesis")}/{p.RequestedCases} estimation samples; conclusion checked at {p.Sum("concluded")} independent points",
    };

    /// <summary>
    /// A KL-growth case on the curve π_t ∝ p₁·e^{−t·r} (t &gt; 0: away from the reward; p₁ with full support): two independent
    /// samples of eight tilts t ∈ [0.01, 3] each, one to estimate λ on, one to check the conclusion on.
    /// </summary>
    public static KlGrowthCase KlGrowthInstance(CaseSeed c)
    {
        var (s, nx, ny) = (c.Sampler, c.Size.Prompts, c.Size.Responses);
        var q = s.Prompts(nx, 1, false);
        var p1 = s.Policy(nx, ny, s.Pick(InstanceSampler.Alphas));
        var r = s.Rewards(nx, ny, RewardKind.Uniform);
        List<TabularPolicy> Tilts() => Enumerable.Range(0, 8).Select(_ => TiltAway(p1, r, s.Uniform(0.01, 3))).ToList();
        return new KlGrowthCase(q, p1, r, Tilts(), Tilts());
    }

    /// <summary>π_t ∝ p₁·e^{−t·r}: moving away from the reward (d/dt J(π_t) = −Var_{π_t}(r) ≤ 0).</summary>
    public static TabularPolicy TiltAway(TabularPolicy p1, RewardTable r, double t)
    {
        var logits = new double[p1.Prompts][];
        for (int x = 0; x < p1.Prompts; x++)
        {
            logits[x] = new double[p1.Responses];
            for (int y = 0; y < p1.Responses; y++) logits[x][y] = p1.Log(x, y) - t * r[x, y];
        }
        return TabularPolicy.FromLogits(logits);
    }

    public static IEnumerable<TheoremStatement> All => [AsStated, Regularised, Decomposition, Conditional];
}
