using Reproduction.Theory.Checks;

namespace Reproduction.Theory.Statements;

/// <summary>Lemma 1 (§2.1, paper.md §3.1): the chain rule with the EOS factor, and the sum form (7) = n × the mean form.</summary>
public static class Lemma1Statements
{
    /// <summary>Autoregressive models with 1–3 prompts and 1–3 tokens besides EOS.</summary>
    public static readonly SizeRange Models = new(1, 3, 1, 3);

    public static Statement<AutoregressiveModel> ChainRule { get; } = new()
    {
        Id = "lemma1-chain-rule",
        Text = "Σ_j log p̂(y_j|x,y<j) + log p̂(EOS|x,y) = log p(y|x) for every complete y (and p(·|x) sums to 1)",
        Source = CheckSource.Paper,
        Expected = Verdict.Holds,
        Sizes = Models,
        Instance = c => c.Sampler.Autoregressive(c.Size.Prompts, c.Size.Responses, c.Sampler.Int(0, 3), c.Sampler.Uniform(0.5, 3), c.Sampler.Bernoulli(0.3) ? 0.2 : 0),
        Sides = model =>
        {
            var e = new CaseEvaluation();
            for (int x = 0; x < model.Prompts; x++)
            {
                var dist = model.SequenceDistribution(x);
                int xx = x;
                e.Equal("Σ_y p(y|x) = 1", dist.Values.Sum(), 1.0, () => $"p(.|x={xx}) sums to {dist.Values.Sum()}");
                foreach (var y in model.CompleteResponses())
                {
                    e.Count("responses");
                    var chain = model.ChainRuleLogProbability(x, y);
                    var enumerated = model.EnumeratedLogProbability(x, y);
                    e.Equal("chain rule = log p(y|x)", chain, enumerated, () => $"x={xx}, y=[{AutoregressiveModel.Key(y)}]: chain rule {chain} vs enumerated {enumerated}");
                    if (!double.IsFinite(enumerated)) continue;
                    if (model.LogNext(x, y, model.Eos) >= -1e-6) continue; // EOS (nearly) certain: the prefix and sequence probabilities coincide.
                    e.Count("comparable");
                    if (!Tolerances.Close(model.ChainRuleLogProbability(x, y, includeEos: false), enumerated)) e.Count("broken without EOS");
                }
            }
            return e;
        },
        Note = p => $"{p.Sum("responses")} responses; without the EOS factor the identity fails on {p.Sum("broken without EOS")}/{p.Sum("comparable")} responses whose EOS probability is < 1",
    };

    public static Statement<(AutoregressiveModel Model, SftDataset Data)> SumVersusMean { get; } = new()
    {
        Id = "lemma1-sum-vs-mean",
        Text = "The SFT loss as the sum (7) equals n_SFT × the expectation form of Lemma 1",
        Source = CheckSource.Paper,
        Expected = Verdict.Holds,
        Sizes = Models,
        Instance = c =>
        {
            var s = c.Sampler;
            var model = s.Autoregressive(c.Size.Prompts, c.Size.Responses, s.Int(0, 3), s.Uniform(0.5, 3), 0);
            var all = model.CompleteResponses().ToArray();
            var n = s.Int(1, 20);
            return (model, new SftDataset(Enumerable.Range(0, n).Select(_ => new SftExample(s.Int(0, model.Prompts - 1), s.Pick(all)))));
        },
        Sides = i =>
        {
            var (model, data) = i;
            var sum = data.SumFormLoss(model);
            var mean = data.MeanFormLoss(model);
            return new CaseEvaluation().Equal("sum form = n × mean form", sum, data.Count * mean, () => $"n={data.Count}: sum form {sum} vs n×mean {data.Count * mean}");
        },
        Note = _ => "sum over examples of −Σ_j log p̂ (EOS counted) vs n·E_{p̂_D}[−log p(y|x)] with p(y|x) enumerated",
    };

    public static IEnumerable<TheoremStatement> All => [ChainRule, SumVersusMean];
}
