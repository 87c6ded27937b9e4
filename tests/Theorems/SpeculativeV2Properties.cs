using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Theory;
using Reproduction.Theory.Checks;
using Reproduction.Theory.Speculative;
using Reproduction.Theory.Trainers;

namespace Repro.Tests.Theorems;

/// <summary>
/// SPECULATIVE (paper.md §3.7): templates for v2's results, whose statements are unknown. They test standard PL/smoothness
/// facts in the tabular model and are NOT the paper's results. Every test name starts with "Speculative_".
/// </summary>
[Trait("Source", "speculative")]
public sealed class SpeculativeV2Properties
{
    private static Arbitrary<Generated<(PromptDistribution Q, TabularPolicy Ref, RewardTable R, double Beta)>> Instances =>
        Generators.From((s, _, _) => SpeculativeChecks.Instance(s));

    [Property(MaxTest = Suite.Cases)]
    public Property Speculative_PL_template_gradient_ascent_on_J_beta_contracts_the_gap_at_the_empirical_PL_rate() =>
        Prop.ForAll(Instances, g =>
        {
            var (q, refPolicy, r, beta) = g.Value;
            var jStar = beta * q.Expect(x => GibbsOptimum.LogZ(refPolicy, r, beta, x));
            var eta = SpeculativeChecks.SafeStep(beta, Math.Max(r.RMax, 1e-3));
            var trajectory = new List<(double GradNormSquared, double Gap)>();
            KlRegularisedAscent.Run(q, refPolicy, r, beta, new GradientOptions(eta, 150), (_, pi) =>
            {
                var grad = LogitGradients.JBeta(q, pi, r, beta, refPolicy);
                trajectory.Add((LogitGradients.Dot(grad, grad), jStar - RewardObjective.JBeta(q, pi, r, beta, refPolicy)));
            });
            var floor = SpeculativeChecks.GapFloor * (1 + r.RMax);
            var mu = PlTemplates.EmpiricalPlConstant(trajectory, floor);
            Assert.True(mu > 0, "J_β should satisfy PL along the trajectory (strongly concave near p*)");
            for (int k = 0; k + 1 < trajectory.Count && trajectory[k + 1].Gap > floor; k++)
                Assert.True(Tolerances.AtMost(trajectory[k + 1].Gap, PlTemplates.LinearRateEnvelope(trajectory[0].Gap, eta, mu, k + 1), 1 + r.RMax),
                    $"gap {trajectory[k + 1].Gap} above the (1 − ημ)^k envelope at step {k + 1}");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Speculative_SFT_damage_template_from_an_SFT_minimiser_the_loss_rise_is_at_most_half_ell_times_the_squared_logit_distance() =>
        Prop.ForAll(Instances, g =>
        {
            var (q, data, r, beta) = g.Value;
            var ell = PlTemplates.SftSmoothness(q);
            var l0 = SftLoss.Expected(q, data, data);
            var theta0 = data.Logits();
            KlRegularisedAscent.Run(q, data, r, beta, new GradientOptions(SpeculativeChecks.SafeStep(beta, Math.Max(r.RMax, 1e-3)), 50), (k, pi) =>
            {
                var damage = SftLoss.Expected(q, data, pi) - l0;
                Assert.True(damage >= -Tolerances.Slack(1, damage, 0), "p_D minimises the SFT loss");
                Assert.True(Tolerances.AtMost(damage, ell / 2 * LogitGradients.SquaredDistance(pi.Logits(), theta0), 1 + l0), $"step {k}");
            });
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Speculative_optimal_duration_template_t_star_from_Lambert_W_is_a_stationary_maximiser_of_Phi() =>
        Prop.ForAll(Generators.From((s, _, _) => (G0: s.Beta(0.01, 10), Mu: s.Beta(0.01, 10), Lambda: s.Beta(0.01, 10), Ell: s.Beta(0.01, 10), G: s.Beta(0.01, 10))), g =>
        {
            var (g0, mu, lambda, ell, grad) = g.Value;
            var tStar = PlTemplates.OptimalDuration(g0, mu, lambda, ell, grad);
            // Φ'(t) = 2μg₀e^{−2μt} − λℓG²t vanishes at t*.
            var derivative = 2 * mu * g0 * Math.Exp(-2 * mu * tStar) - lambda * ell * grad * grad * tStar;
            Assert.True(Math.Abs(derivative) <= Tolerances.Relative * (2 * mu * g0), $"Φ'(t*) = {derivative}");
            var best = PlTemplates.DurationObjective(tStar, g0, mu, lambda, ell, grad);
            foreach (var f in new[] { 0.0, 0.5, 0.9, 0.99, 1.01, 1.1, 2.0 })
                Assert.True(PlTemplates.DurationObjective(f * tStar, g0, mu, lambda, ell, grad) <= best + Tolerances.Slack(1, best, best));
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Speculative_threshold_template_an_RL_step_lowers_the_SFT_loss_only_with_negative_alignment_and_a_positive_SFT_gap() =>
        Prop.ForAll(Generators.From((s, _, _) => (Instance: SpeculativeChecks.Instance(s), AtOptimum: s.Bernoulli(0.3), Alpha: s.Pick(InstanceSampler.Alphas), Eta: s.Beta(1e-3, 1), Seed: s.Int(0, 1000))), g =>
        {
            var ((q, data, r, beta), atOptimum, alpha, eta, seed) = g.Value;
            var s = new InstanceSampler(seed);
            var pi = atOptimum ? data : s.Policy(q.Count, data.Responses, alpha);
            var ell = PlTemplates.SftSmoothness(q);
            var loss = SftLoss.Expected(q, data, pi);
            var gap = loss - SftLoss.Minimum(q, data);
            var gradS = LogitGradients.Sft(q, data, pi);
            Assert.True(Tolerances.AtMost(LogitGradients.Dot(gradS, gradS), 2 * ell * gap, 1 + loss), "‖∇L_S‖² ≤ 2ℓ(L_S − L_S*)");
            var gradJ = LogitGradients.JBeta(q, pi, r, beta, s.Policy(q.Count, data.Responses, 1));
            var after = SftLoss.Expected(q, data, TabularPolicy.FromLogits(LogitGradients.Step(pi.Logits(), gradJ, eta)));
            if (after < loss - Tolerances.Slack(1, after, loss))
            {
                Assert.False(atOptimum, "RL lowered the SFT loss at the SFT optimum");
                Assert.True(LogitGradients.Dot(gradS, gradJ) < 0 && gap > 0);
            }
        });

    [Fact]
    public void Speculative_Lambert_W_inverts_w_exp_w()
    {
        foreach (var z in new[] { 0.0, 1e-8, 0.1, 1, Math.E, 10, 1e6 })
        {
            var w = PlTemplates.LambertW(z);
            Assert.True(Tolerances.Close(w * Math.Exp(w), z), $"W({z}) = {w}");
        }
        Assert.Equal(1.0, PlTemplates.LambertW(Math.E), 14);
    }
}
