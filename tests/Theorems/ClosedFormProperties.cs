using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Theory;
using Reproduction.Theory.Checks;
using Reproduction.Theory.Trainers;

namespace Repro.Tests.Theorems;

/// <summary>The closed-form RL optimum p* = π_ref·e^{r/β}/Z_β (Eq. 8/12; paper.md §3.3).</summary>
public sealed class ClosedFormProperties
{
    [Property(MaxTest = Suite.Cases)]
    public Property P_star_maximises_J_beta_over_every_policy_supported_on_the_reference() =>
        Prop.ForAll(Generators.ClosedForm, g =>
        {
            var c = g.Value;
            var best = RewardObjective.JBeta(c.Q, c.PStar, c.R, c.Beta, c.RefPolicy);
            Assert.True(Tolerances.AtMost(RewardObjective.JBeta(c.Q, c.Pi, c.R, c.Beta, c.RefPolicy), best, c.R.RMax));
        });

    [Property(MaxTest = Suite.Cases)]
    public Property The_optimality_gap_is_exactly_beta_times_E_q_KL_pi_p_star() =>
        Prop.ForAll(Generators.ClosedForm, g =>
        {
            var c = g.Value;
            var gap = RewardObjective.JBeta(c.Q, c.PStar, c.R, c.Beta, c.RefPolicy) - RewardObjective.JBeta(c.Q, c.Pi, c.R, c.Beta, c.RefPolicy);
            var kl = c.Beta * Divergence.ExpectedKl(c.Q, c.Pi, c.PStar);
            Assert.True(Tolerances.Close(gap, kl, c.R.RMax + c.Beta), $"gap {gap} vs β·KL {kl}");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property J_beta_of_p_star_equals_beta_times_E_q_log_Z_beta() =>
        Prop.ForAll(Generators.ClosedForm, g =>
        {
            var c = g.Value;
            var value = RewardObjective.JBeta(c.Q, c.PStar, c.R, c.Beta, c.RefPolicy);
            var logZ = c.Beta * c.Q.Expect(x => GibbsOptimum.LogZ(c.RefPolicy, c.R, c.Beta, x));
            Assert.True(Tolerances.Close(value, logZ, c.R.RMax), $"{value} vs β·E log Z {logZ}");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property P_star_has_exactly_the_support_of_the_reference_policy() =>
        Prop.ForAll(Generators.ClosedForm, g =>
        {
            var c = g.Value;
            for (int x = 0; x < c.RefPolicy.Prompts; x++)
                for (int y = 0; y < c.RefPolicy.Responses; y++)
                    Assert.Equal(c.RefPolicy.InSupport(x, y), c.PStar.InSupport(x, y));
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Expected_reward_of_p_star_is_nonincreasing_in_beta() =>
        Prop.ForAll(Generators.ClosedForm, g =>
        {
            var c = g.Value;
            double lo = Math.Min(c.Beta, c.OtherBeta), hi = Math.Max(c.Beta, c.OtherBeta);
            var jLo = RewardObjective.J(c.Q, GibbsOptimum.Optimum(c.RefPolicy, c.R, lo), c.R);
            var jHi = RewardObjective.J(c.Q, GibbsOptimum.Optimum(c.RefPolicy, c.R, hi), c.R);
            Assert.True(Tolerances.AtMost(jHi, jLo, c.R.RMax), $"J at β={hi} is {jHi} > J at β={lo} is {jLo}");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property As_beta_grows_p_star_tends_to_the_reference_within_TV_half_of_exp_2Rmax_over_beta_minus_1() =>
        Prop.ForAll(Generators.ClosedForm, g =>
        {
            var c = g.Value;
            for (int x = 0; x < c.RefPolicy.Prompts; x++)
                Assert.True(Tolerances.AtMost(Divergence.TotalVariation(c.PStar, c.RefPolicy, x), (Math.Exp(2 * c.R.RMax / c.Beta) - 1) / 2));
            var huge = GibbsOptimum.Optimum(c.RefPolicy, c.R, 1e12);
            for (int x = 0; x < c.RefPolicy.Prompts; x++) Assert.True(Divergence.TotalVariation(huge, c.RefPolicy, x) <= Tolerances.Relative);
        });

    [Property(MaxTest = Suite.Cases)]
    public Property As_beta_shrinks_p_star_tends_to_the_reference_renormalised_on_the_argmax_of_r() =>
        Prop.ForAll(Generators.ClosedForm, g =>
        {
            var c = g.Value;
            var limit = GibbsOptimum.ZeroTemperatureLimit(c.RefPolicy, c.R);
            for (int x = 0; x < c.RefPolicy.Prompts; x++)
            {
                var tv = Divergence.TotalVariation(c.PStar, limit, x);
                var bound = SftThenRlCoupling.SmallBetaRemainderBound(PromptDistribution.PointMass(c.RefPolicy.Prompts, x), c.RefPolicy, c.R, c.Beta);
                Assert.True(Tolerances.AtMost(tv, bound), $"TV {tv} > rate bound {bound}");
            }
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Exact_gradient_ascent_on_J_beta_in_logit_space_increases_J_beta_and_converges_to_p_star() =>
        Prop.ForAll(Generators.From((s, _, _) => ClosedFormChecks.AscentInstance(s)), g =>
        {
            var (q, refPolicy, r, beta) = g.Value;
            double previous = double.NegativeInfinity;
            var final = KlRegularisedAscent.Run(q, refPolicy, r, beta, ClosedFormChecks.AscentOptions(beta), (_, pi) =>
            {
                var v = RewardObjective.JBeta(q, pi, r, beta, refPolicy);
                Assert.True(Tolerances.AtMost(previous, v), $"J_β decreased {previous} → {v}");
                previous = v;
            });
            var pStar = GibbsOptimum.Optimum(refPolicy, r, beta);
            for (int x = 0; x < q.Count; x++) Assert.True(Divergence.TotalVariation(final, pStar, x) <= Tolerances.ConvergedTotalVariation);
        });

    [Property(MaxTest = Suite.Cases)]
    public Property The_J_beta_and_SFT_logit_gradients_match_finite_differences() =>
        Prop.ForAll(Generators.From((s, nx, ny) => (Q: new PromptDistribution(s.Simplex(nx, 1)), Ref: s.Policy(nx, ny, 1), Pi: s.Policy(nx, ny, 1),
            Data: s.Policy(nx, ny, 1), R: s.Rewards(nx, ny, RewardKind.Uniform), Beta: s.Uniform(0.1, 2))), g =>
        {
            var (q, refPolicy, pi, data, r, beta) = g.Value;
            var gradJ = LogitGradients.JBeta(q, pi, r, beta, refPolicy);
            var gradS = LogitGradients.Sft(q, data, pi);
            for (int x = 0; x < pi.Prompts; x++)
                for (int y = 0; y < pi.Responses; y++)
                {
                    var fdJ = TabularGrpoProperties.FiniteDifference(p => RewardObjective.JBeta(q, p, r, beta, refPolicy), pi, x, y, 1e-5);
                    var fdS = TabularGrpoProperties.FiniteDifference(p => SftLoss.Expected(q, data, p), pi, x, y, 1e-5);
                    Assert.True(Math.Abs(fdJ - gradJ[x][y]) <= TabularGrpoProperties.FiniteDifferenceTolerance * Math.Max(1, Math.Abs(gradJ[x][y])), $"dJ_β/dθ[{x},{y}]: {gradJ[x][y]} vs {fdJ}");
                    Assert.True(Math.Abs(fdS - gradS[x][y]) <= TabularGrpoProperties.FiniteDifferenceTolerance * Math.Max(1, Math.Abs(gradS[x][y])), $"dL/dθ[{x},{y}]: {gradS[x][y]} vs {fdS}");
                }
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Trainers_leave_prompts_outside_the_support_of_q_unchanged() =>
        Prop.ForAll(Generators.ClosedForm, g =>
        {
            var c = g.Value;
            var ascent = KlRegularisedAscent.Run(c.Q, c.RefPolicy, c.R, Math.Max(c.Beta, 0.5), new GradientOptions(0.5, 20));
            var grpo = TabularGrpo.Run(c.Q, c.RefPolicy, c.R, c.RefPolicy, new GrpoOptions(5, KlCoefficient: 0.1, Seed: g.Spec.Seed));
            var sft = SftDescent.Run(c.Q, c.Pi, c.RefPolicy, new GradientOptions(0.5, 20));
            for (int x = 0; x < c.Q.Count; x++)
                if (c.Q[x] == 0)
                    foreach (var trained in new[] { ascent, grpo, sft })
                        Assert.True(Divergence.TotalVariation(c.RefPolicy, trained, x) <= Tolerances.Relative); // exact up to the log/exp round trip
        });

    /// <summary>
    /// Regression found by FsCheck (InstanceSpec Seed = 1732059329, 3 prompts × 4 responses, β ≈ 0.506, |r| ≤ 1): the ascent's
    /// linear rate is ~ η·β·q(x)·min p*(·|x), and here p*(y=2|x=1) is tiny, so 3000 steps end at TV ≈ 1.1e-8. The convergence
    /// property therefore draws from <see cref="ClosedFormChecks.AscentInstance"/>, whose iteration budget is measured.
    /// </summary>
    [Fact]
    public void Regression_ascent_on_an_instance_with_a_nearly_dead_response_converges_but_needs_more_than_3000_steps()
    {
        var s = new InstanceSampler(1732059329);
        var q = new PromptDistribution(s.Simplex(3, 10));
        var refPolicy = s.Policy(3, 4, 10);
        var r = s.Rewards(3, 4, RewardKind.Uniform);
        var beta = s.Uniform(0.5, 2);
        var pStar = GibbsOptimum.Optimum(refPolicy, r, beta);
        double Distance(int iterations)
        {
            var p = KlRegularisedAscent.Run(q, refPolicy, r, beta, new GradientOptions(1.0 / beta, iterations));
            return Enumerable.Range(0, 3).Max(x => Divergence.TotalVariation(p, pStar, x));
        }
        Assert.True(Distance(3000) > Tolerances.ConvergedTotalVariation);
        Assert.True(Distance(8000) <= Tolerances.AbsoluteFloor);
    }

    [Fact]
    public void Log_Z_is_computed_in_log_space_without_overflow_for_tiny_beta()
    {
        var refPolicy = TabularPolicy.FromProbabilities([[0.25, 0.75]]);
        var r = new RewardTable([[100.0, -100.0]]);
        var logZ = GibbsOptimum.LogZ(refPolicy, r, 1e-3, 0);
        Assert.True(Tolerances.Close(logZ, 1e5 + Math.Log(0.25)), $"log Z = {logZ}");
        Assert.Equal(1.0, GibbsOptimum.Optimum(refPolicy, r, 1e-3)[0, 0]);
    }
}
