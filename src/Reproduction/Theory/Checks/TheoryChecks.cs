using Reproduction.Theory.Statements;

namespace Reproduction.Theory.Checks;

/// <summary>The registry: every statement of the theory suite, in report order, and the runner behind `repro theory`.</summary>
public static class TheoryChecks
{
    /// <summary>The default seed: the arXiv id 2601.07389 without the dot.</summary>
    public const int DefaultSeed = 260107389;
    public const int DefaultCases = 300;

    public static IReadOnlyList<TheoremStatement> All { get; } =
    [
        .. Lemma1Statements.All, .. DivergenceStatements.All, .. ClosedFormStatements.All, .. Theorem31Statements.All,
        .. Proposition1Statements.All, .. Theorem41Statements.All, .. GrpoStatements.All, .. SpeculativeStatements.All,
    ];

    /// <summary>Runs every statement with the given seed and number of random cases per statement.</summary>
    public static IReadOnlyList<TheoryCheckResult> RunAll(int seed = DefaultSeed, int cases = DefaultCases)
    {
        var ctx = new CheckContext(seed, cases);
        return All.Select(c => c.Check(ctx)).ToArray();
    }
}
