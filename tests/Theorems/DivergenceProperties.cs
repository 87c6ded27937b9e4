using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Theory;
using Reproduction.Theory.Checks;
using Reproduction.Theory.Statements;

namespace Repro.Tests.Theorems;

/// <summary>TV/KL preliminaries (paper.md §1.2, §3.2).</summary>
public sealed class DivergenceProperties
{
    [Property(MaxTest = Suite.Cases)]
    public Property Expectation_gap_is_at_most_2_sup_f_times_TV_and_the_bound_is_attained_by_f_equal_to_sup_f_times_the_sign_of_p_minus_q() =>
        StatementProperties.HoldsOnEveryCase(DivergenceStatements.ExpectationBoundHolds);

    /// <summary>
    /// p = (1,0), q = (0,1), f = (1,−1): E_p f − E_q f = 1 − (−1) = 2; TV = ½(|1−0| + |0−1|) = 1 and sup|f| = 1, so the
    /// printed bound is 1·1 = 1 and the correct one 2·1·1 = 2 (attained: f = sup|f|·sign(p − q)).
    /// </summary>
    [Fact]
    public void Eq5_as_printed_is_violated_by_p_1_0_q_0_1_f_1_minus_1_where_the_corrected_bound_is_attained()
    {
        var instance = Assert.Single(DivergenceStatements.Eq5AsPrinted.Named);
        Assert.Equal([1.0, 0.0], instance.P);
        Assert.Equal(Verdict.Refuted, DivergenceStatements.Eq5AsPrinted.Expected);
        var printed = DivergenceStatements.Eq5AsPrinted.Evaluate(instance).Side("|E_p f − E_q f| ≤ sup|f|·TV");
        Assert.False(printed.Holds);
        Assert.Equal((2.0, 1.0), (printed.Lhs, printed.Rhs));
        var corrected = DivergenceStatements.ExpectationBoundHolds.Evaluate(instance);
        Assert.True(corrected.Holds);
        var bound = corrected.Side("|E_p f − E_q f| ≤ 2·sup|f|·TV");
        Assert.Equal((2.0, 2.0), (bound.Lhs, bound.Rhs));
    }

    [Property(MaxTest = Suite.Cases)]
    public Property Eq5_as_printed_fails_on_every_random_case_where_p_differs_from_q_by_exactly_the_factor_2() =>
        Prop.ForAll(Generators.Instances(DivergenceStatements.Eq5AsPrinted), g =>
        {
            var printed = DivergenceStatements.Eq5AsPrinted.Evaluate(g.Value).Side("|E_p f − E_q f| ≤ sup|f|·TV");
            if (Divergence.TotalVariation(g.Value.P, g.Value.Q) > Tolerances.AbsoluteFloor)
            {
                Assert.False(printed.Holds, $"the printed bound held: {printed}");
                Assert.True(Tolerances.Close(printed.Lhs, 2 * printed.Rhs), $"the true gap is 2× the printed bound for the extremal f: {printed}");
            }
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Pinsker_TV_is_at_most_the_square_root_of_half_the_KL_and_TV_satisfies_the_triangle_inequality() =>
        StatementProperties.HoldsOnEveryCase(DivergenceStatements.Pinsker);

    [Property(MaxTest = Suite.Cases)]
    public Property KL_uses_0_log_0_equal_0_and_is_infinite_exactly_when_p_leaves_the_support_of_q() =>
        Prop.ForAll(Generators.From((s, _, ny) => (s.SimplexOn(ny, s.Subset(ny), 1), s.SimplexOn(ny, s.Subset(ny), 1))), g =>
        {
            var (p, q) = g.Value;
            bool leaves = p.Zip(q).Any(t => t.First > 0 && t.Second == 0);
            var kl = Divergence.Kl(p, q);
            Assert.Equal(leaves, double.IsPositiveInfinity(kl));
            Assert.True(kl >= 0);
            Assert.Equal(0.0, Divergence.Kl(p, p));
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Jeffreys_divergence_is_symmetric_and_nonnegative() =>
        Prop.ForAll(Generators.Instances(DivergenceStatements.ExpectationBoundHolds), g =>
        {
            var a = TabularPolicy.FromProbabilities([g.Value.P]);
            var b = TabularPolicy.FromProbabilities([g.Value.Q]);
            Assert.True(Tolerances.Close(Divergence.Jeffreys(a, b, 0), Divergence.Jeffreys(b, a, 0)));
            Assert.True(Divergence.Jeffreys(a, b, 0) >= 0);
        });
}
