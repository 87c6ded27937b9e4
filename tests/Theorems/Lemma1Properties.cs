using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Theory;

namespace Repro.Tests.Theorems;

/// <summary>Lemma 1 (§2.1; paper.md §3.1): the chain rule with the EOS factor, and the sum form (7) versus the mean form.</summary>
public sealed class Lemma1Properties
{
    [Property(MaxTest = Suite.Cases)]
    public Property Chain_rule_with_the_EOS_factor_equals_the_enumerated_log_probability_of_every_complete_response() =>
        Prop.ForAll(Generators.Autoregressive(0.15), g =>
        {
            var model = g.Value;
            for (int x = 0; x < model.Prompts; x++)
                foreach (var y in model.CompleteResponses())
                {
                    var chain = model.ChainRuleLogProbability(x, y);
                    var enumerated = model.EnumeratedLogProbability(x, y);
                    Assert.True(Tolerances.Close(chain, enumerated), $"x={x}, y=[{AutoregressiveModel.Key(y)}]: {chain} vs {enumerated}");
                }
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Complete_responses_form_a_distribution_only_with_the_EOS_factor() =>
        Prop.ForAll(Generators.Autoregressive(0.15), g =>
        {
            var model = g.Value;
            for (int x = 0; x < model.Prompts; x++)
            {
                var total = model.SequenceDistribution(x).Values.Sum();
                Assert.True(Tolerances.Close(total, 1.0), $"p(.|x={x}) sums to {total}");
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

    [Property(MaxTest = Suite.Cases)]
    public Property The_sum_form_loss_7_equals_n_SFT_times_the_expectation_form_of_Lemma_1() =>
        Prop.ForAll(Generators.From((s, _, _) =>
        {
            var model = s.Autoregressive(s.Int(1, 3), s.Int(1, 3), s.Int(0, 3), s.Uniform(0.5, 3), 0);
            var all = model.CompleteResponses().ToArray();
            var data = new SftDataset(Enumerable.Range(0, s.Int(1, 20)).Select(_ => new SftExample(s.Int(0, model.Prompts - 1), s.Pick(all))));
            return (model, data);
        }), g =>
        {
            var (model, data) = g.Value;
            var sum = data.SumFormLoss(model);
            var mean = data.MeanFormLoss(model);
            Assert.True(Tolerances.Close(sum, data.Count * mean), $"sum {sum} vs n×mean {data.Count * mean}");
            if (data.Count > 1 && mean > Tolerances.ClearlyNonZero) Assert.False(Tolerances.Close(sum, mean), "sum and mean must differ by the factor n");
        });
}
