using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Theory;
using Reproduction.Theory.Statements;

namespace Repro.Tests.Theorems;

/// <summary>Proposition 1 (Eq. 14–15; paper.md §3.5): |J(p₂) − J(p₁)| ≤ R_max·√(2B).</summary>
public sealed class Proposition1Properties
{
    /// <summary>1 − ratio ≈ ε²/3 for the tightness family (3.3e-7 at ε = 1e-3), so at ε = 1e-4 it is ~3e-9; 1e-7 leaves room for rounding.</summary>
    private const double TightnessDeficitAtEpsilon1e4 = 1e-7;

    [Property(MaxTest = Suite.Cases)]
    public Property Reward_change_is_at_most_Rmax_sqrt_2B_in_both_directions_for_every_budget_B_at_least_the_expected_KL() =>
        StatementProperties.HoldsOnEveryCase(Proposition1Statements.Bound);

    /// <summary>B = 0 with p₂ = p₁: KL = 0 ≤ B, and both sides are exactly 0 (the bound R_max·√0 forces no reward change).</summary>
    [Property(MaxTest = Suite.Cases)]
    public Property A_zero_budget_admits_only_p2_equal_p1_and_no_reward_change() =>
        Prop.ForAll(Generators.Instances(Proposition1Statements.Bound), g =>
        {
            var side = Proposition1Statements.Bound.Evaluate(g.Value with { P2 = g.Value.P1, Budget = 0 }).Side("|J(p₂) − J(p₁)| ≤ R_max·√(2B)");
            Assert.True(side.Holds);
            Assert.Equal((0.0, 0.0), (side.Lhs, side.Rhs));
        });

    [Fact]
    public void A_budget_below_the_expected_KL_or_an_infinite_KL_leaves_the_bound_silent()
    {
        var q = PromptDistribution.Uniform(1);
        var r = new RewardTable([[1.0, -1.0]]);
        var p1 = TabularPolicy.FromProbabilities([[0.5, 0.5]]);
        var p2 = TabularPolicy.FromProbabilities([[0.75, 0.25]]); // E_q KL(p₂‖p₁) = 0.130812 (Theorem41Properties)
        Assert.True(Proposition1Statements.Bound.Evaluate(new BudgetCase(q, p1, p2, r, 0.1)).IsVacuous);
        Assert.False(Proposition1Statements.Bound.Evaluate(new BudgetCase(q, p1, p2, r, 0.2)).IsVacuous);
        var deterministic = TabularPolicy.FromProbabilities([[1.0, 0.0]]);
        var e = Proposition1Statements.Bound.Evaluate(new BudgetCase(q, deterministic, p1, r, double.PositiveInfinity));
        Assert.True(e.IsVacuous);
        Assert.Equal(1, e["skipped"]);
        Assert.Equal(double.PositiveInfinity, RlThenSftCoupling.Proposition1Bound(1, Divergence.ExpectedKl(q, p1, deterministic)));
    }

    [Fact]
    public void The_bound_is_tight_the_ratio_tends_to_1_as_epsilon_vanishes()
    {
        var statement = Proposition1Statements.Tight;
        Assert.True(statement.Evaluate(Assert.Single(statement.Named)).Holds);
        var e = statement.Evaluate([0.4, 0.1, 1e-2, 1e-3, 1e-4]);
        Assert.True(e.Holds, e.ToString());
        var ratios = e.Named("ratio ≤ 1").Select(c => c.Lhs).ToArray();
        Assert.True(ratios[^1] > 1 - TightnessDeficitAtEpsilon1e4, $"ratio at ε=1e-4 is {ratios[^1]}");
        Assert.True(ratios[0] < 0.99, "away from ε → 0 the bound is loose");
        // Too coarse a sequence never comes within the required deficit of 1: the statement then fails.
        Assert.False(statement.Evaluate([0.4, 0.1]).Holds);
    }
}
