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
            for (int c = 0; c < ctx.Cases; c++)
            {
                var i = TheoremInstances.RlThenSft(s, s.Int(1, 5), s.Int(2, 6));
                var p1 = i.P1;
                var drop = RewardObjective.JBeta(i.Q, p1, i.R, i.Beta, i.RefPolicy) - RewardObjective.JBeta(i.Q, i.P2, i.R, i.Beta, i.RefPolicy);
                var exact = RlThenSftCoupling.RegularisedDrop(i.Q, p1, i.P2, i.Beta);
                t.Equal(drop, exact, () => $"drop {drop} vs beta·KL {exact}: {i}", i.R.RMax + i.Beta);
                var kl = exact / i.Beta;
                double a = kl * s.Uniform(0.1, 1), upper = kl * s.Uniform(1, 10);
                t.AtMost(i.Beta * a, drop, () => $"drop {drop} < beta·a: {i}", i.R.RMax + i.Beta);
                t.AtMost(drop, i.Beta * upper, () => $"drop {drop} > beta·A: {i}", i.R.RMax + i.Beta);
            }
            return new CheckOutcome(t, "so C₂ = β·a is a theorem for the regularised objective J_β, not for J");
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
        "What the proof shows: if J(π) ≤ J(p₁) − λ·E_q KL(π‖p₁) on the KL ball of radius A (λ > 0), then J(p₂) ≤ J(p₁) − λa (finite candidate sets) [derived]",
        CheckSource.Derived, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("thm41-conditional");
            var t = new MarginTracker();
            int hypothesisHeld = 0;
            for (int c = 0; c < ctx.Cases; c++)
            {
                var (q, p1, r, candidates) = KlGrowthInstance(s);
                var radiusA = s.Uniform(0.01, 2);
                var lambda = RlThenSftCoupling.KlGrowthLambda(q, p1, r, candidates, radiusA);
                if (!(lambda > 0) || double.IsInfinity(lambda)) continue;
                hypothesisHeld++;
                var j1 = RewardObjective.J(q, p1, r);
                foreach (var p2 in candidates)
                {
                    var kl = Divergence.ExpectedKl(q, p2, p1);
                    if (!(kl > 0) || kl > radiusA) continue;
                    var a = kl * s.Uniform(0.2, 1); // any a ≤ KL(p₂‖p₁)
                    var j2 = RewardObjective.J(q, p2, r);
                    t.AtMost(j2, j1 - lambda * a, () => $"J(p2)={j2} > J(p1) − λa = {j1 - lambda * a}", r.RMax);
                }
            }
            t.Record(hypothesisHeld, hypothesisHeld > 0, () => "the KL-growth hypothesis never held: the check was vacuous");
            return new CheckOutcome(t, $"hypothesis held (λ > 0) on {hypothesisHeld}/{ctx.Cases} candidate sets: tilts away from the reward, plus random policies");
        });

    /// <summary>
    /// A KL-growth test instance: p₁ with full support, and candidates on the 1-D curve π_t ∝ p₁·e^{−t·r} (t &gt; 0, where p₁ is a
    /// strict maximiser of J when r is non-constant), sometimes mixed with random policies (where the hypothesis usually fails).
    /// </summary>
    public static (PromptDistribution Q, TabularPolicy P1, RewardTable R, IReadOnlyList<TabularPolicy> Candidates) KlGrowthInstance(InstanceSampler s)
    {
        int nx = s.Int(1, 3), ny = s.Int(2, 5);
        var q = s.Prompts(nx, 1, false);
        var p1 = s.Policy(nx, ny, s.Pick(InstanceSampler.Alphas));
        var r = s.Rewards(nx, ny, RewardKind.Uniform);
        var candidates = new List<TabularPolicy>();
        foreach (var tilt in Enumerable.Range(1, 8).Select(k => 0.05 * k * k))
            candidates.Add(TiltAway(p1, r, tilt));
        if (s.Bernoulli(0.3)) candidates.Add(s.Policy(nx, ny, 1));
        return (q, p1, r, candidates);
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
