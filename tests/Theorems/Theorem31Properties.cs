using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Theory;
using Reproduction.Theory.Checks;

namespace Repro.Tests.Theorems;

/// <summary>Theorem 3.1, SFT-then-RL (paper.md §2 and §3.4): C1(β) = L(p⁽²⁾) − L(p⁽¹⁾).</summary>
public sealed class Theorem31Properties
{
    private static double Scale(SftThenRlInstance i) => 1 + i.R.RMax / i.Beta + SftLoss.Expected(i.Q, i.Data, i.SftCheckpoint);

    private static double C1(SftThenRlInstance i) => SftThenRlCoupling.C1Direct(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);

    [Property(MaxTest = Suite.Cases)]
    public Property C1_from_the_two_losses_equals_E_q_log_Z_minus_E_pD_r_over_beta_for_any_SFT_checkpoint() =>
        Prop.ForAll(Generators.SftGeneral, g =>
        {
            var i = g.Value;
            var formula = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);
            Assert.True(Tolerances.Close(C1(i), formula, Scale(i)), $"direct {C1(i)} vs Eq. (13) {formula}");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property C1_equals_the_change_of_E_q_KL_pD_to_the_policy_for_any_SFT_checkpoint() =>
        Prop.ForAll(Generators.SftGeneral, g =>
        {
            var i = g.Value;
            var kl = SftThenRlCoupling.C1AsKlDifference(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);
            Assert.True(Tolerances.Close(C1(i), kl, Scale(i)), $"direct {C1(i)} vs KL difference {kl}");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property C1_is_nonnegative_and_equals_E_q_KL_pD_p2_when_the_SFT_checkpoint_is_optimal() =>
        Prop.ForAll(Generators.SftOptimal, g =>
        {
            var i = g.Value;
            var c1 = C1(i);
            var kl = Divergence.ExpectedKl(i.Q, i.Data, i.RlCheckpoint);
            Assert.True(Tolerances.AtMost(0, c1, Scale(i)), $"C1 = {c1} < 0");
            Assert.True(Tolerances.Close(c1, kl, Scale(i)), $"C1 {c1} vs E_q KL(p_D‖p2) {kl}");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Reward_gain_equals_beta_times_the_Jeffreys_divergence_when_the_SFT_checkpoint_is_optimal() =>
        Prop.ForAll(Generators.SftOptimal, g =>
        {
            var i = g.Value;
            var p2 = i.RlCheckpoint;
            foreach (var x in i.Q.Support)
            {
                var gain = RewardObjective.PerPrompt(p2, i.R, x) - RewardObjective.PerPrompt(i.SftCheckpoint, i.R, x);
                var jeffreys = SftThenRlCoupling.RewardGainAsJeffreys(i.SftCheckpoint, p2, i.Beta, x);
                Assert.True(Tolerances.Close(gain, jeffreys, i.R.RMax), $"x={x}: gain {gain} vs β·Jeffreys {jeffreys}");
                Assert.True(gain >= -Tolerances.Slack(i.R.RMax, gain, 0));
            }
            // §3.4(d), equivalently: C1 = ΔJ/β − E_q KL(p⁽²⁾‖p⁽¹⁾).
            var deltaJ = RewardObjective.J(i.Q, p2, i.R) - RewardObjective.J(i.Q, i.SftCheckpoint, i.R);
            Assert.True(Tolerances.Close(C1(i), deltaJ / i.Beta - Divergence.ExpectedKl(i.Q, p2, i.SftCheckpoint), Scale(i)));
        });

    [Property(MaxTest = Suite.Cases)]
    public Property C1_is_zero_iff_the_reward_is_constant_on_the_data_support_iff_RL_gains_no_reward() =>
        Prop.ForAll(Generators.EqualityCase, g =>
        {
            var i = g.Value;
            var constant = i.Q.Support.All(x => i.R.IsConstantOnSupport(x, i.Data));
            var c1 = C1(i);
            var gain = RewardObjective.J(i.Q, i.RlCheckpoint, i.R) - RewardObjective.J(i.Q, i.SftCheckpoint, i.R);
            Assert.Equal(constant, Math.Abs(c1) <= Tolerances.Slack(Scale(i), c1, 0));
            Assert.Equal(constant, Math.Abs(gain) <= Tolerances.Slack(i.R.RMax, gain, 0));
            if (constant) // §3.4(h): then RL does not move the policy at all on the prompts that matter
                foreach (var x in i.Q.Support) Assert.True(Divergence.TotalVariation(i.RlCheckpoint, i.SftCheckpoint, x) <= Tolerances.Relative);
        });

    [Property(MaxTest = Suite.Cases)]
    public Property C1_is_at_most_the_Hoeffding_bound_which_is_at_most_Rmax_squared_over_2_beta_squared() =>
        Prop.ForAll(Generators.SftOptimal, g =>
        {
            var i = g.Value;
            var hoeffding = SftThenRlCoupling.HoeffdingBound(i.Q, i.Data, i.R, i.Beta);
            Assert.True(Tolerances.AtMost(C1(i), hoeffding, Scale(i)), $"C1 {C1(i)} > Hoeffding {hoeffding}");
            Assert.True(Tolerances.AtMost(hoeffding, SftThenRlCoupling.RMaxBound(i.R, i.Beta)));
        });

    [Property(MaxTest = Suite.Cases)]
    public Property C1_is_nonincreasing_in_beta_when_the_SFT_checkpoint_is_optimal() =>
        Prop.ForAll(Generators.SftOptimal, g =>
        {
            var i = g.Value;
            var betas = new[] { 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100 };
            var c1 = betas.Select(b => SftThenRlCoupling.C1Formula(i.Q, i.Data, i.Data, i.R, b)).ToArray();
            for (int k = 1; k < betas.Length; k++)
                Assert.True(Tolerances.AtMost(c1[k], c1[k - 1], 1 + i.R.RMax / betas[k - 1]), $"C1({betas[k]})={c1[k]} > C1({betas[k - 1]})={c1[k - 1]}");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property C1_approaches_E_q_Var_pD_r_over_2_beta_squared_as_beta_grows() =>
        Prop.ForAll(Generators.SftOptimal, g =>
        {
            var i = g.Value;
            var range = i.Q.Support.Max(x => { var (max, min) = i.R.RangeOn(x, i.Data); return max - min; });
            if (range == 0) return;
            foreach (var factor in new[] { 50.0, 500.0 })
            {
                var beta = factor * range;
                var exact = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.Data, i.R, beta);
                var asymptote = SftThenRlCoupling.LargeBetaAsymptote(i.Q, i.Data, i.R, beta);
                if (asymptote > Tolerances.AbsoluteFloor) Assert.True(Math.Abs(exact / asymptote - 1) <= range / beta, $"β={beta}: C1={exact}, asymptote={asymptote}");
            }
        });

    [Property(MaxTest = Suite.Cases)]
    public Property C1_approaches_max_minus_mean_reward_over_beta_plus_log_pD_of_the_argmax_as_beta_shrinks() =>
        Prop.ForAll(Generators.SftOptimal, g =>
        {
            var i = g.Value;
            foreach (var beta in new[] { 1e-1, 1e-2, 1e-3 })
            {
                var exact = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.Data, i.R, beta);
                var asymptote = SftThenRlCoupling.SmallBetaAsymptote(i.Q, i.Data, i.R, beta);
                var bound = SftThenRlCoupling.SmallBetaRemainderBound(i.Q, i.Data, i.R, beta);
                Assert.True(Math.Abs(exact - asymptote) <= bound + Tolerances.Slack(1 + i.R.RMax / beta, exact, asymptote),
                    $"β={beta}: C1={exact}, asymptote={asymptote}, remainder bound={bound}");
            }
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Point_mass_data_with_an_optimal_SFT_checkpoint_gives_C1_zero_and_an_unchanged_policy() =>
        Prop.ForAll(Generators.PointMassData, g =>
        {
            var i = g.Value;
            Assert.True(Tolerances.Close(C1(i), 0, Scale(i)), $"C1 = {C1(i)}");
            foreach (var x in i.Q.Support) Assert.True(Divergence.TotalVariation(i.RlCheckpoint, i.Data, x) <= Tolerances.Relative);
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Data_on_the_reward_argmax_with_an_optimal_SFT_checkpoint_gives_C1_zero() =>
        Prop.ForAll(Generators.Underfitted, g =>
        {
            var i = g.Value with { SftCheckpoint = g.Value.Data };
            Assert.True(Tolerances.Close(C1(i), 0, Scale(i)), $"C1 = {C1(i)}");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property C1_is_strictly_negative_when_the_SFT_checkpoint_leaks_mass_off_the_reward_argmax() =>
        Prop.ForAll(Generators.Underfitted, g =>
        {
            var c1 = C1(g.Value);
            Assert.True(c1 < 0, $"C1 = {c1} ≥ 0: RL should improve the SFT loss here");
        });

    [Fact]
    public void Random_search_finds_instances_with_C1_negative_once_the_SFT_checkpoint_is_not_optimal()
    {
        var s = new InstanceSampler(31);
        int negative = 0, n = 1000;
        for (int k = 0; k < n; k++)
        {
            var i = TheoremInstances.General(s, s.Int(1, 5), s.Int(2, 6));
            if (SftThenRlCoupling.C1Formula(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta) < 0) negative++;
        }
        // paper.md §2 reports ~33% on its random instances; ours draw differently, so only a broad band is asserted.
        Assert.InRange((double)negative / n, 0.1, 0.7);
    }

    [Fact]
    public void C1_is_undefined_when_the_SFT_checkpoint_gives_a_data_response_zero_probability()
    {
        var q = PromptDistribution.Uniform(1);
        var data = TabularPolicy.FromProbabilities([[0.5, 0.5]]);
        var p1 = TabularPolicy.FromProbabilities([[1.0, 0.0]]);
        var r = new RewardTable([[1.0, 0.0]]);
        Assert.Equal(double.PositiveInfinity, SftLoss.Expected(q, data, p1));
        Assert.Throws<ArgumentException>(() => SftThenRlCoupling.C1Direct(q, data, p1, r, 1.0));
        Assert.Throws<ArgumentException>(() => SftThenRlCoupling.C1Formula(q, data, p1, r, 1.0));
    }

    [Fact]
    public void The_informal_lead_in_is_refuted_because_epsilon_only_bounds_the_SFT_loss_from_above()
    {
        var result = Theorem31Checks.LeadInAsPrinted.Run(new CheckContext(1, 1));
        Assert.Equal(Verdict.Refuted, result.Verdict);
        Assert.Contains("L(p1)=0.693147", result.Detail);
    }
}
