using Reproduction.Theory.Statements;

namespace Reproduction.Theory.Checks;

/// <summary>
/// Accumulates the comparisons of one run. The margin of a case is rhs − lhs for "lhs ≤ rhs" and −|a − b| for "a = b";
/// a case fails when its comparison does not hold (the margin is below −(rounding slack, <see cref="Tolerances.Relative"/>)).
/// Keeps the worst margin and the first failing case's description (the counterexample).
/// </summary>
public sealed class MarginTracker
{
    public int Cases { get; private set; }
    public double WorstMargin { get; private set; } = double.PositiveInfinity;
    public string? FirstFailure { get; private set; }
    public int Failures { get; private set; }

    /// <summary>Records every comparison of an evaluation, in order.</summary>
    public void AddAll(CaseEvaluation e)
    {
        foreach (var c in e.Comparisons) Add(c);
    }

    /// <summary>Records one comparison; a fraction over a population counts as one case per run it stands for.</summary>
    public bool Add(Comparison c)
    {
        var margin = c.Margin;
        var passed = c.Holds;
        Cases += c.Weight;
        if (double.IsNaN(margin)) { margin = double.NegativeInfinity; passed = false; }
        if (margin < WorstMargin) WorstMargin = margin;
        if (!passed)
        {
            Failures++;
            FirstFailure ??= c.Describe();
        }
        return passed;
    }

    /// <summary>The worst margin as a finite number for JSON (±∞ are clamped to ±double.MaxValue).</summary>
    public double FiniteWorstMargin => Math.Clamp(WorstMargin, -double.MaxValue, double.MaxValue);
}
