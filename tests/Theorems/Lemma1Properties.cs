using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Theory;
using Reproduction.Theory.Statements;

namespace Repro.Tests.Theorems;

/// <summary>Lemma 1 (§2.1; paper.md §3.1): the chain rule with the EOS factor, and the sum form (7) versus the mean form.</summary>
public sealed class Lemma1Properties
{
    [Property(MaxTest = Suite.Cases)]
    public Property Chain_rule_with_the_EOS_factor_equals_the_enumerated_log_probability_and_complete_responses_sum_to_1() =>
        StatementProperties.HoldsOnEveryCase(Lemma1Statements.ChainRule);

    [Property(MaxTest = Suite.Cases)]
    public Property The_sum_form_loss_7_equals_n_SFT_times_the_expectation_form_of_Lemma_1() =>
        StatementProperties.HoldsOnEveryCase(Lemma1Statements.SumVersusMean);

    [Property(MaxTest = Suite.Cases)]
    public Property The_sum_and_mean_forms_differ_by_the_factor_n_so_the_identity_is_not_sum_equals_mean() =>
        Prop.ForAll(Generators.Instances(Lemma1Statements.SumVersusMean), g =>
        {
            var (model, data) = g.Value;
            var mean = data.MeanFormLoss(model);
            if (data.Count > 1 && mean > Tolerances.ClearlyNonZero) Assert.False(Tolerances.Close(data.SumFormLoss(model), mean), "sum and mean must differ by the factor n");
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Without_the_EOS_factor_the_prefix_probabilities_of_the_complete_responses_sum_above_1() =>
        Prop.ForAll(Generators.Autoregressive(0.15), g =>
        {
            var model = g.Value;
            for (int x = 0; x < model.Prompts; x++)
            {
                var withoutEos = model.CompleteResponses().Sum(y => Math.Exp(model.ChainRuleLogProbability(x, y, includeEos: false)));
                var continues = 1 - Math.Exp(model.LogNext(x, Array.Empty<int>(), model.Eos));
                if (model.MaxLength >= 1 && continues > Tolerances.ClearlyNonZero)
                    Assert.True(Tolerances.AtMost(1 + continues, withoutEos), $"prefix 'probabilities' sum to {withoutEos}, expected ≥ 1 + {continues}");
            }
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Dropping_the_EOS_term_breaks_the_chain_rule_by_exactly_minus_log_p_EOS() =>
        Prop.ForAll(Generators.Autoregressive(0), g =>
        {
            var model = g.Value;
            for (int x = 0; x < model.Prompts; x++)
                foreach (var y in model.CompleteResponses())
                {
                    var logEos = model.LogNext(x, y, model.Eos);
                    var gap = model.ChainRuleLogProbability(x, y, includeEos: false) - model.EnumeratedLogProbability(x, y);
                    Assert.True(Tolerances.Close(gap, -logEos), $"gap {gap} vs −log p(EOS) {-logEos}");
                    if (logEos < -Tolerances.ClearlyNonZero) Assert.False(Tolerances.Close(gap, 0), "without EOS the chain rule should fail here");
                }
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Zero_probability_tokens_give_infinite_loss_on_both_sides() =>
        Prop.ForAll(Generators.Autoregressive(0.5), g =>
        {
            var model = g.Value;
            for (int x = 0; x < model.Prompts; x++)
                foreach (var y in model.CompleteResponses())
                {
                    var chain = model.ChainRuleLogProbability(x, y);
                    var enumerated = model.EnumeratedLogProbability(x, y);
                    Assert.Equal(double.IsNegativeInfinity(chain), double.IsNegativeInfinity(enumerated));
                    if (double.IsNegativeInfinity(chain))
                    {
                        var data = new SftDataset([new SftExample(x, y)]);
                        Assert.Equal(double.PositiveInfinity, data.SumFormLoss(model));
                        Assert.Equal(double.PositiveInfinity, data.MeanFormLoss(model));
                    }
                }
        });
}
