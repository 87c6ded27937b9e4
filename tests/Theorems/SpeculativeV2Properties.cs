using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Theory;
using Reproduction.Theory.Speculative;
using Reproduction.Theory.Statements;

namespace Repro.Tests.Theorems;

/// <summary>
/// SPECULATIVE (paper.md §3.7): templates for v2's results, whose statements are unknown. They test standard PL/smoothness
/// facts in the tabular model and are NOT the paper's results. Every test name starts with "Speculative_".
/// </summary>
[Trait("Source", "speculative")]
public sealed class SpeculativeV2Properties
{
    [Property(MaxTest = Suite.Cases)]
    public Property Speculative_PL_template_gradient_ascent_on_J_beta_contracts_the_gap_at_the_empirical_PL_rate() =>
        StatementProperties.HoldsOnEveryCase(SpeculativeStatements.PlRate);

    /// <summary>The rate envelope is trivial with μ̂ ≤ 0; J_β is strongly concave near p*, so the empirical PL constant is positive.</summary>
    [Property(MaxTest = Suite.Cases)]
    public Property Speculative_PL_template_the_empirical_PL_constant_along_the_trajectory_is_positive() =>
        Prop.ForAll(Generators.Instances(SpeculativeStatements.PlRate), g =>
            Assert.True(SpeculativeStatements.PlRate.Evaluate(g.Value)["pl constant"] > 0, "J_β should satisfy PL along the trajectory"));

    [Property(MaxTest = Suite.Cases)]
    public Property Speculative_SFT_damage_template_from_an_SFT_minimiser_the_loss_rise_is_at_most_half_ell_times_the_squared_logit_distance() =>
        StatementProperties.HoldsOnEveryCase(SpeculativeStatements.SftDamage);

    [Property(MaxTest = Suite.Cases)]
    public Property Speculative_SFT_damage_template_p_D_minimises_the_SFT_loss_so_the_damage_is_never_negative() =>
        Prop.ForAll(Generators.Instances(SpeculativeStatements.SftDamage), g =>
        {
            var e = SpeculativeStatements.SftDamage.Evaluate(g.Value);
            Assert.True(e["least damage"] >= -Tolerances.Slack(1, e["least damage"], 0), $"the SFT loss fell by {-e["least damage"]} below p_D's");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Speculative_optimal_duration_template_t_star_from_Lambert_W_maximises_Phi_on_the_grid() =>
        StatementProperties.HoldsOnEveryCase(SpeculativeStatements.OptimalDuration);

    /// <summary>Φ'(t) = 2μg₀e^{−2μt} − λℓG²t vanishes at t* (W(z)e^{W(z)} = z with z = 4μ²g₀/(λℓG²), so 2μt* = W(z)).</summary>
    [Property(MaxTest = Suite.Cases)]
    public Property Speculative_optimal_duration_template_t_star_is_a_stationary_point_of_Phi() =>
        Prop.ForAll(Generators.Instances(SpeculativeStatements.OptimalDuration), g =>
        {
            var d = g.Value;
            var tStar = d.TStar;
            var derivative = 2 * d.Mu * d.G0 * Math.Exp(-2 * d.Mu * tStar) - d.Lambda * d.Ell * d.Grad * d.Grad * tStar;
            Assert.True(Math.Abs(derivative) <= Tolerances.Relative * (2 * d.Mu * d.G0), $"Φ'(t*) = {derivative}");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Speculative_threshold_template_an_RL_step_lowers_the_SFT_loss_only_with_negative_alignment_and_a_positive_SFT_gap() =>
        StatementProperties.HoldsOnEveryCase(SpeculativeStatements.Threshold);

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
