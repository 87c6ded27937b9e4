using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Theory;
using Reproduction.Theory.Checks;
using Reproduction.Theory.Trainers;

namespace Repro.Tests.Theorems;

/// <summary>
/// Theorem 4.1, RL-then-SFT (paper.md §2, §3.5). As printed it is refuted by the four counterexamples below; the corrected
/// statements (regularised drop, exact decomposition, conditional KL-growth form) hold.
/// </summary>
public sealed class Theorem41Properties
{
    [Fact]
    public void Theorem41_as_stated_fails_for_zero_reward_with_KL_0_130812_inside_the_assumption_interval()
    {
        var i = Counterexamples.ZeroReward;
        Assert.Equal(0.130812, i.Kl, 6);
        Assert.True(i.SatisfiesAssumption3);
        Assert.Equal(i.J1, i.J2);
        Assert.True(i.RefutesTheorem41);
    }

    [Fact]
    public void Theorem41_as_stated_fails_when_SFT_tilts_the_Gibbs_optimum_further_toward_the_reward()
    {
        var i = Counterexamples.FurtherTilt;
        Assert.Equal(0.8808, i.P1[0, 0], 4);
        Assert.Equal(0.9820, i.P2[0, 0], 4);
        Assert.Equal(Math.Tanh(1), i.J1, 12);
        Assert.Equal(Math.Tanh(2), i.J2, 12);
        Assert.Equal(0.0728, i.Kl, 4);
        Assert.True(i.RefutesTheorem41);
    }

    [Property(MaxTest = Suite.Cases)]
    public Property Theorem41_assumption3_is_unsatisfiable_when_the_RL_policy_is_deterministic() =>
        Prop.ForAll(Generators.From((s, _, ny) => DeterministicP1(s, ny)), g =>
        {
            var i = g.Value;
            Assert.True(i.Kl == 0 || double.IsPositiveInfinity(i.Kl), $"KL(p2||p1) = {i.Kl} from a point mass p1");
            Assert.False(i.SatisfiesAssumption3, $"[a, A] = [{i.LowerA}, {i.UpperA}] brackets KL = {i.Kl}");
        });

    /// <summary>A point-mass p₁, any p₂, and an Assumption 3 interval drawn apart from them.</summary>
    private static Theorem41Instance DeterministicP1(InstanceSampler s, int ny)
    {
        var (a, upper) = Theorem41Checks.AssumptionInterval(s);
        return new("generated", PromptDistribution.Uniform(1), s.Rewards(1, ny, RewardKind.Uniform), s.PointMass(1, ny), s.Policy(1, ny, s.Pick(InstanceSampler.Alphas)), a, upper);
    }

    [Fact]
    public void Theorem41_as_stated_fails_on_CoLA_like_data_where_SFT_steps_raise_the_reward_monotonically()
    {
        var q = PromptDistribution.Uniform(1);
        var r = new RewardTable([[1.0, -1.0]]);
        var data = TabularPolicy.FromProbabilities([[1.0, 0.0]]);
        var p1 = GibbsOptimum.Optimum(TabularPolicy.Uniform(1, 2), r, 1.0);
        var rewards = new List<double>();
        SftDescent.Run(q, data, p1, new GradientOptions(0.5, 20), (_, pi) => rewards.Add(RewardObjective.J(q, pi, r)));
        for (int k = 1; k < rewards.Count; k++) Assert.True(rewards[k] > rewards[k - 1], $"J fell at SFT step {k}");
        var i = Counterexamples.ColaLike;
        Assert.True(i.SatisfiesAssumption3);
        Assert.True(i.RefutesTheorem41);
    }

    [Fact]
    public void Random_RL_then_SFT_pairs_with_positive_finite_KL_often_do_not_lower_the_reward()
    {
        var s = new InstanceSampler(41);
        int eligible = 0, notLowered = 0;
        for (int k = 0; k < 1000; k++)
        {
            var i = TheoremInstances.RlThenSft(s, s.Int(1, 5), s.Int(2, 6));
            var kl = Divergence.ExpectedKl(i.Q, i.P2, i.P1);
            if (!(kl > 0) || double.IsInfinity(kl)) continue;
            eligible++;
            if (RlThenSftCoupling.RewardChange(i.Q, i.P1, i.P2, i.R) >= 0) notLowered++;
        }
        Assert.True(eligible > 500);
        Assert.True(notLowered > eligible / 10, $"only {notLowered}/{eligible} pairs kept or raised J");
    }

    [Property(MaxTest = Suite.Cases)]
    public Property The_regularised_objective_drops_by_exactly_beta_E_q_KL_p2_p1_which_lies_in_beta_a_beta_A() =>
        Prop.ForAll(Generators.From((s, nx, ny) => (Instance: TheoremInstances.RlThenSft(s, nx, ny), Interval: Theorem41Checks.AssumptionInterval(s))), g =>
        {
            var (i, (a, upper)) = g.Value;
            var drop = RewardObjective.JBeta(i.Q, i.P1, i.R, i.Beta, i.RefPolicy) - RewardObjective.JBeta(i.Q, i.P2, i.R, i.Beta, i.RefPolicy);
            var exact = RlThenSftCoupling.RegularisedDrop(i.Q, i.P1, i.P2, i.Beta);
            Assert.True(Tolerances.Close(drop, exact, i.R.RMax + i.Beta), $"drop {drop} vs β·KL {exact}");
            var kl = Divergence.ExpectedKl(i.Q, i.P2, i.P1);
            return Prop.When(a <= kl && kl <= upper, () =>                    // Assumption 3 for an interval drawn apart from the pair
                Assert.True(Tolerances.AtMost(i.Beta * a, drop, i.R.RMax + i.Beta) && Tolerances.AtMost(drop, i.Beta * upper, i.R.RMax + i.Beta),
                    $"drop {drop} outside [β·a, β·A] = [{i.Beta * a}, {i.Beta * upper}]"));
        });

    [Property(MaxTest = Suite.Cases)]
    public Property The_reward_change_is_beta_times_the_change_of_KL_to_the_reference_minus_beta_E_q_KL_p2_p1() =>
        Prop.ForAll(Generators.RlThenSft, g =>
        {
            var i = g.Value;
            var change = RlThenSftCoupling.RewardChange(i.Q, i.P1, i.P2, i.R);
            var decomposition = RlThenSftCoupling.RewardChangeDecomposition(i.Q, i.P1, i.P2, i.RefPolicy, i.Beta);
            Assert.True(Tolerances.Close(change, decomposition, i.R.RMax + i.Beta), $"ΔJ {change} vs decomposition {decomposition}");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property The_KL_growth_hypothesis_estimated_on_one_sample_implies_a_reward_drop_of_at_least_lambda_a_on_an_independent_one() =>
        Prop.ForAll(Generators.From((s, _, _) => Theorem41Checks.KlGrowthInstance(s)), g =>
        {
            var k = g.Value;
            var lambda = k.Lambda;
            var j1 = RewardObjective.J(k.Q, k.P1, k.R);
            var inside = k.Check.Where(p2 => Divergence.ExpectedKl(k.Q, p2, k.P1) is > 0 and var kl && kl <= k.RadiusA).ToList();
            return Prop.When(lambda > 0 && inside.Count > 0, () =>
            {
                foreach (var p2 in inside)
                {
                    var a = Divergence.ExpectedKl(k.Q, p2, k.P1);              // the largest a with a ≤ KL(p₂‖p₁)
                    Assert.True(Tolerances.AtMost(RewardObjective.J(k.Q, p2, k.R), j1 - lambda * a, k.R.RMax), $"J(p₂) > J(p₁) − λa with λ = {lambda}, a = {a}");
                }
            });
        });

    [Fact]
    public void The_KL_growth_hypothesis_fails_in_the_unrestricted_class_mixing_toward_the_best_response_raises_J()
    {
        var q = PromptDistribution.Uniform(1);
        var r = new RewardTable([[1.0, 0.0, -1.0]]);
        var p1 = TabularPolicy.FromProbabilities([[0.3, 0.4, 0.3]]);
        var best = TabularPolicy.FromProbabilities([[1.0, 0.0, 0.0]]);
        var candidates = new[] { 1e-1, 1e-2, 1e-3 }.Select(e => p1.MixWith(best, e)).ToArray();
        Assert.True(RlThenSftCoupling.KlGrowthLambda(q, p1, r, candidates, 1.0) < 0);
    }
}
