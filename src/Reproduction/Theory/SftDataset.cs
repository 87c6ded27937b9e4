namespace Reproduction.Theory;

/// <summary>One SFT example (x, y): a prompt index and a complete response (tokens, EOS implied at the end).</summary>
public sealed record SftExample(int Prompt, IReadOnlyList<int> Response);

/// <summary>
/// An SFT dataset D_SFT and its two loss forms (Lemma 1): the token-level sum of Eq. (7) and the expectation of
/// −log p(y|x) under the empirical distribution of D_SFT. The sum equals n_SFT times the expectation (caveat 1).
/// </summary>
public sealed class SftDataset
{
    public SftDataset(IEnumerable<SftExample> examples)
    {
        Examples = examples.ToArray();
        if (Examples.Count == 0) throw new ArgumentException("an SFT dataset needs at least one example");
    }

    public IReadOnlyList<SftExample> Examples { get; }
    public int Count => Examples.Count;

    /// <summary>
    /// Eq. (7): −Σ_{(x,y)∈D} Σ_j log p̂(y_j|x,y_&lt;j), with EOS counted as the last token of y when countEos
    /// (the reading under which Lemma 1 is exact). countEos = false is the printed sum j = 1..|y|.
    /// </summary>
    public double SumFormLoss(AutoregressiveModel model, bool countEos = true) =>
        -Examples.Sum(e => model.ChainRuleLogProbability(e.Prompt, e.Response, countEos));

    /// <summary>
    /// Lemma 1 right side: E_{x~p̂_D, y~p̂_D(·|x)}[−log p(y|x)] with the empirical distribution of D aggregated by counts,
    /// and p(y|x) from the enumerated sequence distribution of the model.
    /// </summary>
    public double MeanFormLoss(AutoregressiveModel model)
    {
        double s = 0;
        foreach (var group in Examples.GroupBy(e => (e.Prompt, Key: AutoregressiveModel.Key(e.Response))))
        {
            var pHat = (double)group.Count() / Count; // empirical p̂_D(x, y)
            var logP = LogSpace.Log(model.SequenceDistribution(group.Key.Prompt)[group.Key.Key]);
            if (double.IsNegativeInfinity(logP)) return double.PositiveInfinity;
            s -= pHat * logP;
        }
        return s;
    }
}
