using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Theory;
using Reproduction.Theory.Checks;
using Reproduction.Theory.Statements;
using Reproduction.Theory.Trainers;

namespace Repro.Tests.Theorems;

/// <summary>
/// Theorem 4.1, RL-then-SFT (paper.md §2, §3.5). As printed it is refuted by the four counterexamples below; the corrected
/// statements (regularised drop, exact decomposition, conditional KL-growth form) hold.
/// </summary>
public sealed class Theorem41Properties
{
    private static Statement<Theorem41Instance> AsStated => Theorem41Statements.AsStated;

    /// <summary>The printed conclusion J(p₂) &lt; J(p₁) on one instance, which must exist (Assumption 3 holds).</summary>
    private static Comparison Conclusion(Theorem41Instance i) => AsStated.Evaluate(i).Side("J(p₂) < J(p₁)");

    /// <summary>
    /// r ≡ 0, p₁ = (½,½), p₂ = (¾,¼): E_q KL(p₂‖p₁) = ¾ ln(3/2) + ¼ ln(1/2) = 0.304099 − 0.173287 = 0.130812 ∈ [0.1, 0.2],
    /// and J(p₁) = J(p₂) = 0, so no C₂ &gt; 0 exists.
    /// </summary>
    [Fact]
    public void Theorem41_as_stated_fails_for_zero_reward_with_KL_0_130812_inside_the_assumption_interval()
    {
        var i = Counterexamples.ZeroReward;
        Assert.Contains(AsStated.Named, n => n.Name == i.Name);
        Assert.Equal(0.130812, i.Kl, 6);
        var c = Conclusion(i);
        Assert.False(c.Holds);
        Assert.Equal((0.0, 0.0), (c.Lhs, c.Rhs));
    }

    /// <summary>
    /// π_ref = (½,½), r = (1,−1): p₁ = Gibbs at β = 1 = (e, e⁻¹)/(e + e⁻¹) = (0.8808, 0.1192) with J = tanh 1; p₂ = Gibbs at
    /// β = ½ = (e², e⁻²)/(e² + e⁻²) = (0.9820, 0.0180) with J = tanh 2 &gt; tanh 1, KL(p₂‖p₁) = 0.0728 ∈ [0.05, 0.1].
    /// </summary>
    [Fact]
    public void Theorem41_as_stated_fails_when_SFT_tilts_the_Gibbs_optimum_further_toward_the_reward()
    {
        var i = Counterexamples.FurtherTilt;
        Assert.Contains(AsStated.Named, n => n.Name == i.Name);
        Assert.Equal(0.8808, i.P1[0, 0], 4);
        Assert.Equal(0.9820, i.P2[0, 0], 4);
        Assert.Equal(0.0728, i.Kl, 4);
        var c = Conclusion(i);
        Assert.False(c.Holds);
        Assert.Equal(Math.Tanh(2), c.Lhs, 12);
        Assert.Equal(Math.Tanh(1), c.Rhs, 12);
    }

    [Property(MaxTest = Suite.Cases)]
    public Property Theorem41_assumption3_is_unsatisfiable_when_the_RL_policy_is_deterministic_so_the_statement_says_nothing() =>
        Prop.ForAll(Generators.From((s, _, ny) => DeterministicP1(s, ny)), g =>
        {
            var i = g.Value;
            Assert.True(i.Kl == 0 || double.IsPositiveInfinity(i.Kl), $"KL(p2||p1) = {i.Kl} from a point mass p1");
            var e = AsStated.Evaluate(i);
            Assert.True(e.IsVacuous, $"[a, A] = [{i.LowerA}, {i.UpperA}] brackets KL = {i.Kl}");
            Assert.Equal(1, e["unsatisfiable"]);
        });

    /// <summary>A point-mass p₁, any p₂, and an Assumption 3 interval drawn apart from them.</summary>
    private static Theorem41Instance DeterministicP1(InstanceSampler s, int ny)
    {
        var (a, upper) = Theorem41Statements.AssumptionInterval(s);
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
        Assert.Contains(AsStated.Named, n => n.Name == i.Name);
        Assert.False(Conclusion(i).Holds);
    }

    [Fact]
    public void Random_RL_then_SFT_pairs_with_positive_finite_KL_often_do_not_lower_the_reward()
    {
        var s = new InstanceSampler(41);
        var evaluations = Enumerable.Range(0, 1000).Select(k => AsStated.Evaluate(AsStated.Draw(s, k))).ToList();
        var eligible = evaluations.Count(e => !e.IsVacuous);
        var refuted = evaluations.Count(e => !e.Holds);
        Assert.True(eligible > 500, $"Assumption 3 held in only {eligible}/1000 draws");
        Assert.True(refuted > eligible / 10, $"only {refuted}/{eligible} pairs kept or raised J");
    }

    [Fact]
    public void The_run_of_the_printed_theorem_reports_the_zero_reward_counterexample_first_and_the_unsatisfiable_case_in_its_note()
    {
        var r = AsStated.Check(new CheckContext(1, 20));
        Assert.Equal(Verdict.Refuted, r.Verdict);
        Assert.StartsWith("counterexample: (i) r=0", r.Detail);
        Assert.Contains("(iii) deterministic p1: KL(p2||p1)=Infinity — Assumption 3 unsatisfiable", r.Detail);
        Assert.Contains("(iv) CoLA-like", r.Detail);
    }

    [Property(MaxTest = Suite.Cases)]
    public Property The_regularised_objective_drops_by_exactly_beta_E_q_KL_p2_p1_which_lies_in_beta_a_beta_A() =>
        StatementProperties.HoldsOnEveryCase(Theorem41Statements.Regularised);

    [Property(MaxTest = Suite.Cases)]
    public Property The_reward_change_is_beta_times_the_change_of_KL_to_the_reference_minus_beta_E_q_KL_p2_p1() =>
        StatementProperties.HoldsOnEveryCase(Theorem41Statements.Decomposition);

    [Property(MaxTest = Suite.Cases)]
    public Property The_KL_growth_hypothesis_estimated_on_one_sample_implies_a_reward_drop_of_at_least_lambda_a_on_an_independent_one() =>
        StatementProperties.HoldsOnEveryCase(Theorem41Statements.Conditional);

    [Fact]
    public void The_KL_growth_hypothesis_fails_in_the_unrestricted_class_mixing_toward_the_best_response_raises_J()
    {
        var q = PromptDistribution.Uniform(1);
        var r = new RewardTable([[1.0, 0.0, -1.0]]);
        var p1 = TabularPolicy.FromProbabilities([[0.3, 0.4, 0.3]]);
        var best = TabularPolicy.FromProbabilities([[1.0, 0.0, 0.0]]);
        var candidates = new[] { 1e-1, 1e-2, 1e-3 }.Select(e => p1.MixWith(best, e)).ToArray();
        var k = new KlGrowthCase(q, p1, r, candidates, candidates);
        Assert.True(k.Lambda < 0);
        Assert.True(Theorem41Statements.Conditional.Evaluate(k).IsVacuous); // the hypothesis fails, so the conditional form concludes nothing
    }
}
