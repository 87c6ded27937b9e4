namespace Reproduction.Theory.Checks;

/// <summary>Proposition 1 (Eq. 14–15; paper.md §3.5).</summary>
public static class Proposition1Checks
{
    public static TheoryCheck Bound => new("prop1-bound",
        "|J(p₂) − J(p₁)| ≤ R_max·√(2B) for every B ≥ E_q KL(p₂‖p₁) (Eq. 15, both sides)",
        CheckSource.Paper, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("prop1-bound");
            var t = new MarginTracker();
            int skipped = 0;
            for (int c = 0; c < ctx.Cases; c++)
            {
                int nx = s.Int(1, 5), ny = s.Int(2, 6);
                var q = s.Prompts(nx, s.Pick(InstanceSampler.Alphas), s.Bernoulli(0.3));
                var p1 = s.Bernoulli(0.7) ? s.Policy(nx, ny, s.Pick(InstanceSampler.Alphas)) : s.SparsePolicy(nx, ny, 1);
                var p2 = s.Bernoulli(0.9) ? TheoremInstances.SupportedOn(s, p1) : s.Policy(nx, ny, 1);
                var r = s.Rewards(nx, ny, s.Pick(new[] { RewardKind.BinaryPlusMinusOne, RewardKind.Uniform }), s.Uniform(0.1, 3));
                var kl = Divergence.ExpectedKl(q, p2, p1);
                if (double.IsPositiveInfinity(kl)) { skipped++; continue; } // the bound is vacuous (§3.5 edge case)
                var budget = kl * (1 + (s.Bernoulli(0.5) ? 0 : s.Uniform(0, 1)));
                var change = RlThenSftCoupling.RewardChange(q, p1, p2, r);
                t.AtMost(Math.Abs(change), RlThenSftCoupling.Proposition1Bound(r.RMax, budget), () => $"|ΔJ|={Math.Abs(change)} > R_max√(2B), B={budget}", r.RMax);
            }
            return new CheckOutcome(t, $"{skipped} draws with KL = +∞ skipped (bound vacuous); B = 0 forces p₂ = p₁ on supp q");
        });

    /// <summary>The tightness family: one prompt, r = (+R, −R), p₁ = (½,½), p₂ = (½+ε, ½−ε); returns LHS/RHS.</summary>
    public static double TightnessRatio(double epsilon, double rMax = 1.0)
    {
        var q = PromptDistribution.Uniform(1);
        var p1 = TabularPolicy.FromProbabilities([[0.5, 0.5]]);
        var p2 = TabularPolicy.FromProbabilities([[0.5 + epsilon, 0.5 - epsilon]]);
        var r = new RewardTable([[rMax, -rMax]]);
        return RlThenSftCoupling.RewardChange(q, p1, p2, r) / RlThenSftCoupling.Proposition1Bound(rMax, Divergence.ExpectedKl(q, p2, p1));
    }

    public static TheoryCheck Tight => new("prop1-tight",
        "The constant in Eq. (15) is sharp: for r = (±R), p₁ = (½,½), p₂ = (½+ε,½−ε), ΔJ / (R_max√(2KL)) → 1 as ε → 0",
        CheckSource.Derived, Verdict.Holds, ctx =>
        {
            var t = new MarginTracker();
            double previous = 0;
            foreach (var eps in new[] { 0.4, 0.1, 0.03, 1e-2, 3e-3, 1e-3 })
            {
                var ratio = TightnessRatio(eps);
                t.AtMost(ratio, 1, () => $"ratio {ratio} > 1 at eps={eps}");
                t.AtMost(previous, ratio, () => $"ratio not increasing as eps shrinks: {previous} -> {ratio} at eps={eps}");
                previous = ratio;
            }
            t.Record(previous - (1 - 1e-5), previous > 1 - 1e-5, () => $"ratio at eps=1e-3 is {previous}, not within 1e-5 of 1");
            return new CheckOutcome(t, $"ratio at ε = 1e-3: {previous:F9} (KL ≈ 2ε², so √(2KL) ≈ 2ε = ΔJ/R)");
        });

    public static IEnumerable<TheoryCheck> All => [Bound, Tight];
}
