namespace Reproduction.Theory.Checks;

/// <summary>Lemma 1 (§2.1, paper.md §3.1): the chain rule with the EOS factor, and the sum form (7) = n × the mean form.</summary>
public static class Lemma1Checks
{
    public static TheoryCheck ChainRule => new("lemma1-chain-rule",
        "Σ_j log p̂(y_j|x,y<j) + log p̂(EOS|x,y) = log p(y|x) for every complete y (and p(·|x) sums to 1)",
        CheckSource.Paper, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("lemma1-chain-rule");
            var t = new MarginTracker();
            int responses = 0, brokenWithoutEos = 0, comparable = 0;
            for (int c = 0; c < ctx.Cases; c++)
            {
                var model = s.Autoregressive(s.Int(1, 3), s.Int(1, 3), s.Int(0, 3), s.Uniform(0.5, 3), s.Bernoulli(0.3) ? 0.2 : 0);
                for (int x = 0; x < model.Prompts; x++)
                {
                    var dist = model.SequenceDistribution(x);
                    t.Equal(dist.Values.Sum(), 1.0, () => $"p(.|x={x}) sums to {dist.Values.Sum()}");
                    foreach (var y in model.CompleteResponses())
                    {
                        responses++;
                        var chain = model.ChainRuleLogProbability(x, y);
                        var enumerated = model.EnumeratedLogProbability(x, y);
                        t.Equal(chain, enumerated, () => $"x={x}, y=[{AutoregressiveModel.Key(y)}]: chain rule {chain} vs enumerated {enumerated}");
                        if (!double.IsFinite(enumerated)) continue;
                        var eos = model.LogNext(x, y, model.Eos);
                        if (eos >= -1e-6) continue; // EOS (nearly) certain: the prefix and sequence probabilities coincide.
                        comparable++;
                        if (!Tolerances.Close(model.ChainRuleLogProbability(x, y, includeEos: false), enumerated)) brokenWithoutEos++;
                    }
                }
            }
            return new CheckOutcome(t, $"{responses} responses; without the EOS factor the identity fails on {brokenWithoutEos}/{comparable} responses whose EOS probability is < 1");
        });

    public static TheoryCheck SumVersusMean => new("lemma1-sum-vs-mean",
        "The SFT loss as the sum (7) equals n_SFT × the expectation form of Lemma 1",
        CheckSource.Paper, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("lemma1-sum-vs-mean");
            var t = new MarginTracker();
            for (int c = 0; c < ctx.Cases; c++)
            {
                var model = s.Autoregressive(s.Int(1, 3), s.Int(1, 3), s.Int(0, 3), s.Uniform(0.5, 3), 0);
                var all = model.CompleteResponses().ToArray();
                var n = s.Int(1, 20);
                var data = new SftDataset(Enumerable.Range(0, n).Select(_ => new SftExample(s.Int(0, model.Prompts - 1), s.Pick(all))));
                var sum = data.SumFormLoss(model);
                var mean = data.MeanFormLoss(model);
                t.Equal(sum, n * mean, () => $"n={n}: sum form {sum} vs n×mean {n * mean}");
            }
            return new CheckOutcome(t, "sum over examples of −Σ_j log p̂ (EOS counted) vs n·E_{p̂_D}[−log p(y|x)] with p(y|x) enumerated");
        });

    public static IEnumerable<TheoryCheck> All => [ChainRule, SumVersusMean];
}
