using System.Text.Json.Nodes;
using Reproduction.Experiments;
using Reproduction.Reporting;
using Repro.Tests.Gating;

namespace Repro.Tests.Study;

/// <summary>
/// When a coupling does not appear in a seed, the report says why in that seed's measured numbers: for RL-then-SFT the
/// RL-prompt greedy and sampled accuracy at the base, the end of GRPO and the end of SFT (and, when SFT raised the
/// argmax, that GRPO had not reached the local maximiser of the reward that Theorem 4.1's proof starts from); for
/// SFT-then-RL the label token's and the template's CE and the RL-prompt sampled accuracy across GRPO.
/// </summary>
public sealed class AbsentCouplingTests
{
    private static JsonObject Run(int seed, JsonObject checkpoints) =>
        new() { ["per_seed"] = new JsonArray(new JsonObject { ["seed"] = seed, ["checkpoints"] = checkpoints }) };

    private static JsonObject At(double greedy, double sampled) => new() { ["greedy_accuracy"] = greedy, ["sampled_accuracy"] = sampled };

    [Fact]
    public void An_RL_stage_that_SFT_out_teaches_is_named_with_its_accuracies_at_the_three_checkpoints()
    {
        var run = Run(3, new() { ["base"] = At(0.9, 0.633), ["rl_then_sft/after_grpo"] = At(0.833, 0.832), ["rl_then_sft/after_sft"] = At(0.863, 0.848) });
        Assert.Equal("in seed 3 the RL-prompt greedy accuracy went 90.0 % (base) → 83.3 % (end of GRPO) → 86.3 % (end of SFT), the sampled accuracy 63.3 % → 83.2 % → 84.8 %; " +
                     "GRPO raised the sampled reward while its argmax fell below the base's on some sentences, and SFT taught the grammar better than GRPO had left it, " +
                     "so there was no sharper policy for SFT to pull back (Theorem 4.1's proof starts from a local maximiser of the reward)",
            Mechanisms.WhyAbsent(run, Mechanisms.RlThenSft, 3));
    }

    [Fact]
    public void An_RL_stage_above_the_base_that_SFT_out_teaches_is_named_without_a_fall_below_the_base()
    {
        var run = Run(1, new() { ["base"] = At(0.88, 0.66), ["rl_then_sft/after_grpo"] = At(0.91, 0.916), ["rl_then_sft/after_sft"] = At(0.967, 0.953) });
        Assert.Equal("in seed 1 the RL-prompt greedy accuracy went 88.0 % (base) → 91.0 % (end of GRPO) → 96.7 % (end of SFT), the sampled accuracy 66.0 % → 91.6 % → 95.3 %; " +
                     "SFT taught the grammar better than GRPO had left it, " +
                     "so there was no sharper policy for SFT to pull back (Theorem 4.1's proof starts from a local maximiser of the reward)",
            Mechanisms.WhyAbsent(run, Mechanisms.RlThenSft, 1));
    }

    [Fact]
    public void Without_a_rise_of_the_argmax_across_SFT_only_the_numbers_are_given()
    {
        var run = Run(5, new() { ["base"] = At(0.8, 0.6), ["rl_then_sft/after_grpo"] = At(0.9, 0.85), ["rl_then_sft/after_sft"] = At(0.9, 0.86) });
        Assert.Equal("in seed 5 the RL-prompt greedy accuracy went 80.0 % (base) → 90.0 % (end of GRPO) → 90.0 % (end of SFT), the sampled accuracy 60.0 % → 85.0 % → 86.0 %",
            Mechanisms.WhyAbsent(run, Mechanisms.RlThenSft, 5));
    }

    [Fact]
    public void A_seed_without_the_rise_is_named_with_its_CE_by_token_role_and_sampled_accuracy_across_GRPO()
    {
        static JsonObject Ce(double label, double template, double sampled) =>
            new() { ["sampled_accuracy"] = sampled, ["sft_ce_by_role"] = new JsonObject { ["label"] = label, ["template"] = template } };
        var run = Run(14, new() { ["sft_then_rl/after_sft"] = Ce(0.052, 0.0004, 0.47), ["sft_then_rl/after_grpo"] = Ce(0.070, 0.0001, 0.984) });
        Assert.Equal("in seed 14 the label token's CE went 0.052 → 0.070 nats across GRPO, the template and think tokens' 0.000 → 0.000, the RL-prompt sampled accuracy 47.0 % → 98.4 %",
            Mechanisms.WhyAbsent(run, Mechanisms.SftThenRl, 14));
    }

    [Fact]
    public void The_report_names_every_seed_without_the_drop_with_its_reason()
    {
        JsonObject Seed(int seed, double greedyAfterSft) => new()
        {
            ["seed"] = seed, ["testbed"] = new JsonObject(),
            ["checkpoints"] = new JsonObject { ["base"] = At(0.9, 0.633), ["rl_then_sft/after_grpo"] = At(0.833, 0.832), ["rl_then_sft/after_sft"] = At(greedyAfterSft, 0.848) },
            [Mechanisms.RlThenSft] = Mechanisms.ToJson([new MechanismRow("robust", "robust mean@1", 0.664, 0.696, 1)]),
            [Mechanisms.SftThenRl] = Mechanisms.ToJson([new MechanismRow("ce", "SFT-test CE", 0.06, 0.1, 1)]),
        };
        var mechanisms = new JsonObject { ["per_seed"] = new JsonArray(Seed(1, 0.863), Seed(2, 0.8), Seed(3, 0.87)) };
        var md = ReportMarkdown.Render(SyntheticRuns.Make(rewardDrop: 0.5) with { Mechanisms = mechanisms });   // the reward rises across SFT in every seed
        Assert.Contains("Not seen in seeds 1 (", md);
        foreach (int seed in new[] { 1, 2, 3 })
        {
            var why = Mechanisms.WhyAbsent(mechanisms, Mechanisms.RlThenSft, seed)!;
            Assert.Contains($" {char.ToUpperInvariant(why[0])}{why[1..]}.", md);
        }
    }

    [Fact]
    public void A_seed_without_checkpoints_gets_no_invented_reason()
    {
        var run = Run(3, new() { ["base"] = At(0.9, 0.633) });
        Assert.Null(Mechanisms.WhyAbsent(run, Mechanisms.RlThenSft, 3));
        Assert.Null(Mechanisms.WhyAbsent(run, Mechanisms.RlThenSft, 4));
        Assert.Null(Mechanisms.WhyAbsent(run, Mechanisms.SftThenRl, 3));
    }
}
