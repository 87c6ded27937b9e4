namespace Reproduction.Theory.Checks;

/// <summary>TV/KL preliminaries (paper.md §1.2, §3.2): the change-of-measure bound, Eq. (5) as printed, Pinsker, triangle.</summary>
public static class DivergenceChecks
{
    public static TheoryCheck ExpectationBoundHolds => new("tv-expectation-bound",
        "|E_p f − E_q f| ≤ 2·sup|f|·TV(p,q), with equality for f = sup|f|·sign(p − q)",
        CheckSource.Paper, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("tv-expectation-bound");
            var t = new MarginTracker();
            for (int c = 0; c < ctx.Cases; c++)
            {
                var n = s.Int(2, 6);
                var p = s.Simplex(n, s.Pick(InstanceSampler.Alphas));
                var q = s.Simplex(n, s.Pick(InstanceSampler.Alphas));
                var f = Enumerable.Range(0, n).Select(_ => s.Uniform(-3, 3)).ToArray();
                t.AtMost(ExpectationBound.Gap(p, q, f), ExpectationBound.Correct(p, q, f), () => $"p={Fmt(p)}, q={Fmt(q)}, f={Fmt(f)}");
                var extremal = ExpectationBound.Extremal(p, q, ExpectationBound.SupNorm(f));
                t.Equal(ExpectationBound.Gap(p, q, extremal), ExpectationBound.Correct(p, q, extremal), () => $"tightness fails at p={Fmt(p)}, q={Fmt(q)}");
            }
            return new CheckOutcome(t, "the constant 2 is the one the proof of Proposition 1 uses (Eq. 16); bound attained by the extremal f in every case");
        });

    public static TheoryCheck Eq5AsPrinted => new("eq5-as-printed",
        "Eq. (5) as printed: |E_p f − E_q f| ≤ sup|f|·TV(p,q)",
        CheckSource.Paper, Verdict.Refuted, ctx =>
        {
            var t = new MarginTracker();
            var (p, q, f) = Counterexamples.Eq5;
            t.AtMost(ExpectationBound.Gap(p, q, f), ExpectationBound.AsPrintedInEq5(p, q, f),
                () => $"p={Fmt(p)}, q={Fmt(q)}, f={Fmt(f)}: |E_p f − E_q f| = {ExpectationBound.Gap(p, q, f)} > sup|f|·TV = {ExpectationBound.AsPrintedInEq5(p, q, f)}");
            var s = ctx.SamplerFor("eq5-as-printed");
            for (int c = 0; c < ctx.Cases; c++)
            {
                var n = s.Int(2, 6);
                var pp = s.Simplex(n, 1);
                var qq = s.Simplex(n, 1);
                var ff = ExpectationBound.Extremal(pp, qq, 1);
                t.AtMost(ExpectationBound.Gap(pp, qq, ff), ExpectationBound.AsPrintedInEq5(pp, qq, ff), () => $"p={Fmt(pp)}, q={Fmt(qq)}, f={Fmt(ff)}");
            }
            return new CheckOutcome(t, "the printed constant is off by a factor 2 (TV = ½‖·‖₁); every extremal f violates it");
        });

    public static TheoryCheck Pinsker => new("pinsker",
        "Pinsker (6): TV(p,q) ≤ √(KL(p‖q)/2); and the triangle inequality (4) TV(p,r) ≤ TV(p,q) + TV(q,r)",
        CheckSource.Paper, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("pinsker");
            var t = new MarginTracker();
            for (int c = 0; c < ctx.Cases; c++)
            {
                var n = s.Int(2, 6);
                var p = s.Simplex(n, s.Pick(InstanceSampler.Alphas));
                var q = s.Simplex(n, s.Pick(InstanceSampler.Alphas));
                var r = s.Simplex(n, s.Pick(InstanceSampler.Alphas));
                t.AtMost(Divergence.TotalVariation(p, q), Math.Sqrt(Divergence.Kl(p, q) / 2), () => $"Pinsker: p={Fmt(p)}, q={Fmt(q)}");
                t.AtMost(Divergence.TotalVariation(p, r), Divergence.TotalVariation(p, q) + Divergence.TotalVariation(q, r), () => $"triangle: p={Fmt(p)}, q={Fmt(q)}, r={Fmt(r)}");
            }
            return new CheckOutcome(t);
        });

    public static IEnumerable<TheoryCheck> All => [ExpectationBoundHolds, Eq5AsPrinted, Pinsker];

    internal static string Fmt(IEnumerable<double> v) => "(" + string.Join(", ", v.Select(x => x.ToString("G6"))) + ")";
}
