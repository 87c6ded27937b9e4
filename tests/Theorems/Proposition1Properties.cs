using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Theory;
using Reproduction.Theory.Checks;

namespace Repro.Tests.Theorems;

/// <summary>Proposition 1 (Eq. 14–15; paper.md §3.5): |J(p₂) − J(p₁)| ≤ R_max·√(2B).</summary>
public sealed class Proposition1Properties
{
    /// <summary>1 − ratio ≈ ε²/3 for the tightness family (3.3e-7 at ε = 1e-3), so at ε = 1e-4 it is ~3e-9; 1e-7 leaves room for rounding.</summary>
    private const double TightnessDeficitAtEpsilon1e4 = 1e-7;

    [Property(MaxTest = Suite.Cases)]
    public Property Reward_change_is_at_most_Rmax_sqrt_2B_in_both_directions() =>
        Prop.ForAll(Generators.RlThenSft, g =>
        {
            var i = g.Value;
            var kl = Divergence.ExpectedKl(i.Q, i.P2, i.P1);
            var change = RlThenSftCoupling.RewardChange(i.Q, i.P1, i.P2, i.R);
            Assert.True(Tolerances.AtMost(Math.Abs(change), RlThenSftCoupling.Proposition1Bound(i.R.RMax, kl), i.R.RMax),
                $"|ΔJ|={Math.Abs(change)} > R_max√(2·{kl})");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property The_bound_holds_for_every_budget_B_at_least_the_expected_KL() =>
        Prop.ForAll(Generators.From((s, nx, ny) => (Instance: TheoremInstances.RlThenSft(s, nx, ny), Slack: s.Uniform(0, 2))), g =>
        {
            var (i, slack) = g.Value;
            var budget = Divergence.ExpectedKl(i.Q, i.P2, i.P1) * (1 + slack) + slack;
            var change = RlThenSftCoupling.RewardChange(i.Q, i.P1, i.P2, i.R);
            Assert.True(Tolerances.AtMost(Math.Abs(change), RlThenSftCoupling.Proposition1Bound(i.R.RMax, budget), i.R.RMax));
        });

    [Property(MaxTest = Suite.Cases)]
    public Property A_zero_budget_forces_p2_equal_p1_and_no_reward_change() =>
        Prop.ForAll(Generators.RlThenSft, g =>
        {
            var i = g.Value;
            var p1 = i.P1;
            Assert.Equal(0.0, Divergence.ExpectedKl(i.Q, p1, p1));
            Assert.Equal(0.0, RlThenSftCoupling.Proposition1Bound(i.R.RMax, 0));
            Assert.Equal(0.0, RlThenSftCoupling.RewardChange(i.Q, p1, p1, i.R));
        });

    [Fact]
    public void The_bound_is_tight_the_ratio_tends_to_1_as_epsilon_vanishes()
    {
        var eps = new[] { 0.4, 0.1, 1e-2, 1e-3, 1e-4 };
        var ratios = eps.Select(e => Proposition1Checks.TightnessRatio(e)).ToArray();
        for (int k = 0; k < ratios.Length; k++) Assert.True(Tolerances.AtMost(ratios[k], 1), $"ratio {ratios[k]} > 1");
        for (int k = 1; k < ratios.Length; k++) Assert.True(ratios[k] > ratios[k - 1]);
        Assert.True(ratios[^1] > 1 - TightnessDeficitAtEpsilon1e4, $"ratio at ε=1e-4 is {ratios[^1]}");
        Assert.True(ratios[0] < 0.99, "away from ε → 0 the bound is loose");
    }

    [Fact]
    public void With_infinite_KL_the_bound_is_vacuous()
    {
        var q = PromptDistribution.Uniform(1);
        var p1 = TabularPolicy.FromProbabilities([[1.0, 0.0]]);
        var p2 = TabularPolicy.FromProbabilities([[0.5, 0.5]]);
        Assert.Equal(double.PositiveInfinity, RlThenSftCoupling.Proposition1Bound(1, Divergence.ExpectedKl(q, p2, p1)));
    }
}
