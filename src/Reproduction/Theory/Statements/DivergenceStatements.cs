using Reproduction.Theory.Checks;

namespace Reproduction.Theory.Statements;

/// <summary>Distributions p, q on one alphabet with a test function f (or a third distribution r).</summary>
public sealed record DistributionCase(double[] P, double[] Q, double[] F)
{
    public override string ToString() => $"p={DivergenceStatements.Fmt(P)}, q={DivergenceStatements.Fmt(Q)}, f={DivergenceStatements.Fmt(F)}";
}

/// <summary>TV/KL preliminaries (paper.md §1.2, §3.2): the change-of-measure bound, Eq. (5) as printed, Pinsker, triangle.</summary>
public static class DivergenceStatements
{
    private static double[] Simplex(CaseSeed c) => c.Sampler.Simplex(c.Size.Responses, c.Sampler.Pick(InstanceSampler.Alphas));

    public static Statement<DistributionCase> ExpectationBoundHolds { get; } = new()
    {
        Id = "tv-expectation-bound",
        Text = "|E_p f − E_q f| ≤ 2·sup|f|·TV(p,q), with equality for f = sup|f|·sign(p − q)",
        Source = CheckSource.Paper,
        Expected = Verdict.Holds,
        Sizes = SizeRange.Alphabet,
        Instance = c => new(Simplex(c), Simplex(c), Enumerable.Range(0, c.Size.Responses).Select(_ => c.Sampler.Uniform(-3, 3)).ToArray()),
        Sides = i =>
        {
            var (p, q, f) = (i.P, i.Q, i.F);
            var extremal = ExpectationBound.Extremal(p, q, ExpectationBound.SupNorm(f));
            return new CaseEvaluation()
                .AtMost("|E_p f − E_q f| ≤ 2·sup|f|·TV", ExpectationBound.Gap(p, q, f), ExpectationBound.Correct(p, q, f), () => i.ToString())
                .Equal("attained by the extremal f", ExpectationBound.Gap(p, q, extremal), ExpectationBound.Correct(p, q, extremal), () => $"tightness fails at p={Fmt(p)}, q={Fmt(q)}");
        },
        Note = _ => "the constant 2 is the one the proof of Proposition 1 uses (Eq. 16); bound attained by the extremal f in every case",
    };

    public static Statement<DistributionCase> Eq5AsPrinted { get; } = new()
    {
        Id = "eq5-as-printed",
        Text = "Eq. (5) as printed: |E_p f − E_q f| ≤ sup|f|·TV(p,q)",
        Source = CheckSource.Paper,
        Expected = Verdict.Refuted,
        Sizes = SizeRange.Alphabet,
        Named = [new(Counterexamples.Eq5.P, Counterexamples.Eq5.Q, Counterexamples.Eq5.F)],
        // Random cases: Dirichlet(1) p ≠ q with the extremal f of sup-norm 1, where the printed bound is off by exactly 2.
        Instance = c =>
        {
            var p = c.Sampler.Simplex(c.Size.Responses, 1);
            var q = c.Sampler.Simplex(c.Size.Responses, 1);
            return new(p, q, ExpectationBound.Extremal(p, q, 1));
        },
        Sides = i =>
        {
            double gap = ExpectationBound.Gap(i.P, i.Q, i.F), printed = ExpectationBound.AsPrintedInEq5(i.P, i.Q, i.F);
            return new CaseEvaluation().AtMost("|E_p f − E_q f| ≤ sup|f|·TV", gap, printed, () => $"{i}: |E_p f − E_q f| = {gap} > sup|f|·TV = {printed}");
        },
        Note = _ => "the printed constant is off by a factor 2 (TV = ½‖·‖₁); every extremal f violates it",
    };

    public static Statement<(double[] P, double[] Q, double[] R)> Pinsker { get; } = new()
    {
        Id = "pinsker",
        Text = "Pinsker (6): TV(p,q) ≤ √(KL(p‖q)/2); and the triangle inequality (4) TV(p,r) ≤ TV(p,q) + TV(q,r)",
        Source = CheckSource.Paper,
        Expected = Verdict.Holds,
        Sizes = SizeRange.Alphabet,
        Instance = c => (Simplex(c), Simplex(c), Simplex(c)),
        Sides = i =>
        {
            var (p, q, r) = i;
            return new CaseEvaluation()
                .AtMost("TV(p,q) ≤ √(KL(p‖q)/2)", Divergence.TotalVariation(p, q), Math.Sqrt(Divergence.Kl(p, q) / 2), () => $"Pinsker: p={Fmt(p)}, q={Fmt(q)}")
                .AtMost("TV(p,r) ≤ TV(p,q) + TV(q,r)", Divergence.TotalVariation(p, r), Divergence.TotalVariation(p, q) + Divergence.TotalVariation(q, r), () => $"triangle: p={Fmt(p)}, q={Fmt(q)}, r={Fmt(r)}");
        },
    };

    public static IEnumerable<TheoremStatement> All => [ExpectationBoundHolds, Eq5AsPrinted, Pinsker];

    internal static string Fmt(IEnumerable<double> v) => "(" + string.Join(", ", v.Select(x => x.ToString("G6"))) + ")";
}
