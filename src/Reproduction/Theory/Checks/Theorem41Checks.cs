namespace Reproduction.Theory.Checks;

/// <summary>Theorem 4.1, RL-then-SFT (paper.md §2, §3.5): refuted as printed; the corrected statements hold.</summary>
public static class Theorem41Checks
{
    public static TheoryCheck AsStated => new("thm41-as-stated",
        "Theorem 4.1 as printed: Assumption 3 (a ≤ E_q KL(p₂‖p₁) ≤ A) ⇒ J(p₂) ≤ J(p₁) − C₂ for some C₂ > 0",
        CheckSource.Paper, Verdict.Refuted, ctx =>
        {
            var t = new MarginTracker();
            var notes = new List<string>();
            foreach (var i in Counterexamples.Theorem41)
            {
                if (!i.SatisfiesAssumption3)
                {
                    notes.Add($"{i.Name}: KL(p2||p1)={i.Kl} — Assumption 3 unsatisfiable for every p2 ≠ p1");
                    continue;
                }
                // Statement: J(p2) < J(p1) (some C2 > 0). Margin: J(p1) − J(p2), must be > 0.
                if (t.Record(i.J1 - i.J2, i.J2 < i.J1, () => i.ToString()) || t.Failures > 1) notes.Add(i.ToString());
            }
            var s = ctx.SamplerFor("thm41-as-stated");
            int found = 0;
            for (int c = 0; c < ctx.Cases; c++)
            {
                var inst = TheoremInstances.RlThenSft(s, s.Int(1, 5), s.Int(2, 6));
                var kl = Divergence.ExpectedKl(inst.Q, inst.P2, inst.P1);
                if (!(kl > 0) || double.IsInfinity(kl)) continue;
                var change = RlThenSftCoupling.RewardChange(inst.Q, inst.P1, inst.P2, inst.R);
                if (change >= 0) found++;
                t.Record(-change, change < 0, () => $"random: {inst}, KL={kl}, ΔJ={change}");
            }
            notes.Add($"random p₁ = p*, p₂ ≪ p₁: J(p₂) ≥ J(p₁) in {found}/{ctx.Cases}");
            return new CheckOutcome(t, string.Join(" ; ", notes));
        });

    public static TheoryCheck Regularised => new("thm41-regularised",
        "Corrected: for p₁ = p*, J_β(p₁) − J_β(p₂) = β·E_q KL(p₂‖p₁) ∈ [β·a, β·A] under Assumption 3 [derived]",
        CheckSource.Derived, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("thm41-regularised");
            var t = new MarginTracker();
            int assumed = 0;
            for (int c = 0; c < ctx.Cases; c++)
            {
                var i = TheoremInstances.RlThenSft(s, s.Int(1, 5), s.Int(2, 6));
                var (a, upper) = AssumptionInterval(s);
                var p1 = i.P1;
                var drop = RewardObjective.JBeta(i.Q, p1, i.R, i.Beta, i.RefPolicy) - RewardObjective.JBeta(i.Q, i.P2, i.R, i.Beta, i.RefPolicy);
                var exact = RlThenSftCoupling.RegularisedDrop(i.Q, p1, i.P2, i.Beta);
                t.Equal(drop, exact, () => $"drop {drop} vs beta·KL {exact}: {i}", i.R.RMax + i.Beta);
                var kl = Divergence.ExpectedKl(i.Q, i.P2, p1);
                if (!(a <= kl && kl <= upper)) continue;                       // Assumption 3 fails for this [a, A]
                assumed++;
                t.AtMost(i.Beta * a, drop, () => $"drop {drop} < beta·a, a = {a}: {i}", i.R.RMax + i.Beta);
                t.AtMost(drop, i.Beta * upper, () => $"drop {drop} > beta·A, A = {upper}: {i}", i.R.RMax + i.Beta);
            }
            t.Record(assumed, assumed > 0, () => "Assumption 3 never held: the bracket was never checked");
            return new CheckOutcome(t, $"Assumption 3 held for {assumed}/{ctx.Cases} intervals; so C₂ = β·a is a theorem for the regularised objective J_β, not for J");
        });

    public static TheoryCheck Decomposition => new("thm41-decomposition",
        "Corrected: J(p₂) − J(p₁) = β·E_q[KL(p₂‖π_ref) − KL(p₁‖π_ref)] − β·E_q KL(p₂‖p₁) for p₁ = p* [derived]",
        CheckSource.Derived, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("thm41-decomposition");
            var t = new MarginTracker();
            for (int c = 0; c < ctx.Cases; c++)
            {
                var i = TheoremInstances.RlThenSft(s, s.Int(1, 5), s.Int(2, 6));
                var change = RlThenSftCoupling.RewardChange(i.Q, i.P1, i.P2, i.R);
                var decomposition = RlThenSftCoupling.RewardChangeDecomposition(i.Q, i.P1, i.P2, i.RefPolicy, i.Beta);
                t.Equal(change, decomposition, () => $"ΔJ {change} vs decomposition {decomposition}: {i}", i.R.RMax + i.Beta);
            }
            return new CheckOutcome(t, "J drops iff SFT moves the policy less far from π_ref (in KL) than from p₁");
        });

    public static TheoryCheck Conditional => new("thm41-conditional",
        "What the proof shows: if J(π) ≤ J(p₁) − λ·E_q KL(π‖p₁) on the KL ball of radius A (λ > 0), then J(p₂) ≤ J(p₁) − λa (λ estimated on one sample of a policy curve, the conclusion checked on an independent one) [derived]",
        CheckSource.Derived, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("thm41-conditional");
            var t = new MarginTracker();
            int hypothesisHeld = 0, concluded = 0;
            for (int c = 0; c < ctx.Cases; c++)
            {
                var k = KlGrowthInstance(s);
                var lambda = k.Lambda;
                if (!(lambda > 0) || double.IsInfinity(lambda)) continue;
                hypothesisHeld++;
                var j1 = RewardObjective.J(k.Q, k.P1, k.R);
                foreach (var p2 in k.Check)
                {
                    var a = Divergence.ExpectedKl(k.Q, p2, k.P1);                 // the largest a with a ≤ KL(p₂‖p₁)
                    if (!(a > 0) || a > k.RadiusA) continue;
                    concluded++;
                    var j2 = RewardObjective.J(k.Q, p2, k.R);
                    t.AtMost(j2, j1 - lambda * a, () => $"J(p2)={j2} > J(p1) − λa = {j1 - lambda * a}", k.R.RMax);
                }
            }
            t.Record(concluded, concluded > 0, () => "no check point fell inside the ball: the check was vacuous");
            return new CheckOutcome(t, $"hypothesis held (λ > 0) on {hypothesisHeld}/{ctx.Cases} estimation samples; conclusion checked at {concluded} independent points");
        });

    /// <summary>
    /// An Assumption 3 interval [a, A] drawn without looking at any instance: a log-uniform in [1e-3, 3], A/a
    /// log-uniform in [1, 1000]. An instance satisfies the assumption only when its KL happens to fall inside.
    /// </summary>
    public static (double A, double UpperA) AssumptionInterval(InstanceSampler s)
    {
        var a = Math.Exp(s.Uniform(Math.Log(1e-3), Math.Log(3)));
        return (a, a * Math.Exp(s.Uniform(0, Math.Log(1000))));
    }

    /// <summary>
    /// A KL-growth case on the curve π_t ∝ p₁·e^{−t·r} (t &gt; 0: away from the reward; p₁ with full support): two independent
    /// samples of eight tilts t ∈ [0.01, 3] each, one to estimate λ on, one to check the conclusion on.
    /// </summary>
    public static KlGrowthCase KlGrowthInstance(InstanceSampler s)
    {
        int nx = s.Int(1, 3), ny = s.Int(2, 5);
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

    public static IEnumerable<TheoryCheck> All => [AsStated, Regularised, Decomposition, Conditional];
}

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
}
