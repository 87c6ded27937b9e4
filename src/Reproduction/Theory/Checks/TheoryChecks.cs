namespace Reproduction.Theory.Checks;

/// <summary>Every check of the theory suite, in report order, and the runner behind `repro theory`.</summary>
public static class TheoryChecks
{
    /// <summary>The default seed: the arXiv id 2601.07389 without the dot.</summary>
    public const int DefaultSeed = 260107389;
    public const int DefaultCases = 300;

    public static IReadOnlyList<TheoryCheck> All { get; } =
    [
        .. Lemma1Checks.All, .. DivergenceChecks.All, .. ClosedFormChecks.All, .. Theorem31Checks.All,
        .. Proposition1Checks.All, .. Theorem41Checks.All, .. GrpoChecks.All, .. SpeculativeChecks.All,
    ];

    /// <summary>Runs every check with the given seed and number of random cases per check.</summary>
    public static IReadOnlyList<TheoryCheckResult> RunAll(int seed = DefaultSeed, int cases = DefaultCases)
    {
        var ctx = new CheckContext(seed, cases);
        return All.Select(c => c.Run(ctx)).ToArray();
    }
}
