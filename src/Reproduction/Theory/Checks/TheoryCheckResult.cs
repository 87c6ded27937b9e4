namespace Reproduction.Theory.Checks;

/// <summary>One row of `repro theory`: the verdict of one statement over its generated cases.</summary>
public sealed record TheoryCheckResult(
    string Id,
    string Statement,
    CheckSource Source,
    Verdict Verdict,
    Verdict ExpectedVerdict,
    int Cases,
    double WorstMargin,
    string Detail)
{
    public bool AsExpected => Verdict == ExpectedVerdict;
}
