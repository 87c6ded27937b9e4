using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Theory;

namespace Repro.Tests.Theorems;

/// <summary>TV/KL preliminaries (paper.md §1.2, §3.2).</summary>
public sealed class DivergenceProperties
{
    [Property(MaxTest = Suite.Cases)]
    public Property Expectation_gap_is_at_most_2_sup_f_times_TV() =>
        Prop.ForAll(Generators.Distributions, g =>
        {
            var (p, q, _, f) = g.Value;
            Assert.True(Tolerances.AtMost(ExpectationBound.Gap(p, q, f), ExpectationBound.Correct(p, q, f)));
        });

    [Property(MaxTest = Suite.Cases)]
    public Property The_2_sup_f_TV_bound_is_attained_by_f_equal_to_sup_f_times_the_sign_of_p_minus_q() =>
        Prop.ForAll(Generators.Distributions, g =>
        {
            var (p, q, _, f) = g.Value;
            var extremal = ExpectationBound.Extremal(p, q, ExpectationBound.SupNorm(f));
            Assert.True(Tolerances.Close(ExpectationBound.Gap(p, q, extremal), ExpectationBound.Correct(p, q, extremal)));
        });

    [Fact]
    public void Eq5_as_printed_is_violated_by_p_1_0_q_0_1_f_1_minus_1()
    {
        var (p, q, f) = Counterexamples.Eq5;
        Assert.Equal(2.0, ExpectationBound.Gap(p, q, f));
        Assert.Equal(1.0, ExpectationBound.AsPrintedInEq5(p, q, f));
        Assert.True(ExpectationBound.Gap(p, q, f) > ExpectationBound.AsPrintedInEq5(p, q, f));
        Assert.Equal(2.0, ExpectationBound.Correct(p, q, f));
    }

    [Property(MaxTest = Suite.Cases)]
    public Property Eq5_as_printed_fails_for_the_extremal_f_whenever_p_differs_from_q() =>
        Prop.ForAll(Generators.Distributions, g =>
        {
            var (p, q, _, _) = g.Value;
            var f = ExpectationBound.Extremal(p, q, 1);
            if (Divergence.TotalVariation(p, q) > Tolerances.AbsoluteFloor)
                Assert.True(ExpectationBound.Gap(p, q, f) > ExpectationBound.AsPrintedInEq5(p, q, f) * (1 + Tolerances.ClearlyNonZero)); // the true gap is 2× the printed bound
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Pinsker_TV_is_at_most_the_square_root_of_half_the_KL() =>
        Prop.ForAll(Generators.Distributions, g =>
        {
            var (p, q, _, _) = g.Value;
            Assert.True(Tolerances.AtMost(Divergence.TotalVariation(p, q), Math.Sqrt(Divergence.Kl(p, q) / 2)));
        });

    [Property(MaxTest = Suite.Cases)]
    public Property TV_satisfies_the_triangle_inequality() =>
        Prop.ForAll(Generators.Distributions, g =>
        {
            var (p, q, r, _) = g.Value;
            Assert.True(Tolerances.AtMost(Divergence.TotalVariation(p, r), Divergence.TotalVariation(p, q) + Divergence.TotalVariation(q, r)));
        });

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
        Prop.ForAll(Generators.Distributions, g =>
        {
            var (p, q, _, _) = g.Value;
            var a = TabularPolicy.FromProbabilities([p]);
            var b = TabularPolicy.FromProbabilities([q]);
            Assert.True(Tolerances.Close(Divergence.Jeffreys(a, b, 0), Divergence.Jeffreys(b, a, 0)));
            Assert.True(Divergence.Jeffreys(a, b, 0) >= 0);
        });
}
