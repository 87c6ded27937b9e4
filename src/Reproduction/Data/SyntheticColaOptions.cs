namespace Reproduction.Data;

/// <summary>
/// Settings of <see cref="SyntheticColaGenerator"/>, validated at construction. Defaults: 2,000 train / 300 test
/// (the CPU prototype's sizes), 70% acceptable (CoLA's in_domain_train is 70.4%), all rules equally likely,
/// an adjective in 30% of noun phrases.
/// </summary>
public sealed record SyntheticColaOptions
{
    public static IReadOnlyList<SyntheticRule> AllRules { get; } =
    [
        SyntheticRule.SubjectVerbAgreement, SyntheticRule.DeterminerNounAgreement, SyntheticRule.WordOrderSwap,
        SyntheticRule.MissingArgument, SyntheticRule.ExtraArgument, SyntheticRule.WrongAuxiliary,
    ];

    public ulong Seed { get; }
    public int TrainSize { get; }
    public int TestSize { get; }
    public double AcceptableFraction { get; }
    public IReadOnlyList<SyntheticRule> Rules { get; }
    public double AdjectiveProbability { get; }

    public SyntheticColaOptions(
        ulong seed,
        int trainSize = 2000,
        int testSize = 300,
        double acceptableFraction = 0.70,
        IReadOnlyList<SyntheticRule>? rules = null,
        double adjectiveProbability = 0.3)
    {
        if (trainSize < 0 || testSize < 0 || trainSize + testSize == 0)
            throw new ReproException($"synthetic data: sizes must be non-negative and not both zero (train {trainSize}, test {testSize})");
        if (trainSize + testSize > 100_000)
            throw new ReproException($"synthetic data: at most 100,000 sentences (asked for {trainSize + testSize})");
        if (!(acceptableFraction is >= 0 and <= 1))
            throw new ReproException($"synthetic data: acceptableFraction must be in [0, 1], got {acceptableFraction}");
        if (!(adjectiveProbability is >= 0 and <= 1))
            throw new ReproException($"synthetic data: adjectiveProbability must be in [0, 1], got {adjectiveProbability}");
        rules ??= AllRules;
        if (rules.Count == 0 || rules.Contains(SyntheticRule.None) || rules.Distinct().Count() != rules.Count)
            throw new ReproException("synthetic data: rules must be a non-empty list of distinct error rules (not None)");
        Seed = seed;
        TrainSize = trainSize;
        TestSize = testSize;
        AcceptableFraction = acceptableFraction;
        Rules = rules.ToArray();
        AdjectiveProbability = adjectiveProbability;
    }

    /// <summary>How many of <paramref name="size"/> examples are acceptable: the fraction, rounded half away from zero.</summary>
    public int AcceptableCount(int size) => (int)Math.Round(AcceptableFraction * size, MidpointRounding.AwayFromZero);
}
