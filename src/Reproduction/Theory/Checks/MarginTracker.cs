namespace Reproduction.Theory.Checks;

/// <summary>
/// Accumulates the cases of one check. The margin of a case is rhs − lhs for "lhs ≤ rhs" and −|a − b| for "a = b";
/// a case fails when the margin is below −(rounding slack, <see cref="Tolerances.Relative"/>). Keeps the worst margin
/// and the first failing case's description (the counterexample).
/// </summary>
public sealed class MarginTracker
{
    public int Cases { get; private set; }
    public double WorstMargin { get; private set; } = double.PositiveInfinity;
    public string? FirstFailure { get; private set; }
    public int Failures { get; private set; }

    /// <summary>lhs ≤ rhs (up to rounding relative to the magnitudes and <paramref name="scale"/>).</summary>
    public bool AtMost(double lhs, double rhs, Func<string> describe, double scale = 1.0) =>
        Record(rhs - lhs, Tolerances.AtMost(lhs, rhs, scale), describe);

    /// <summary>a = b up to rounding.</summary>
    public bool Equal(double a, double b, Func<string> describe, double scale = 1.0) =>
        Record(a == b ? 0 : -Math.Abs(a - b), Tolerances.Close(a, b, scale), describe); // a == b covers equal infinities

    /// <summary>A case with its own pass criterion and margin (e.g. a statistical fraction minus its threshold).</summary>
    public bool Record(double margin, bool passed, Func<string> describe)
    {
        Cases++;
        if (double.IsNaN(margin)) { margin = double.NegativeInfinity; passed = false; }
        if (margin < WorstMargin) WorstMargin = margin;
        if (!passed)
        {
            Failures++;
            FirstFailure ??= describe();
        }
        return passed;
    }

    /// <summary>
    /// A statistical claim over <paramref name="instances"/> runs: passes when the observed fraction reaches the required one;
    /// the margin is the fraction minus the requirement, and every run counts as a case.
    /// </summary>
    public bool RecordFraction(int successes, int instances, double required, Func<string> describe)
    {
        var fraction = (double)successes / instances;
        var passed = Record(fraction - required, fraction >= required, describe);
        Cases += instances - 1;
        return passed;
    }

    /// <summary>The worst margin as a finite number for JSON (±∞ are clamped to ±double.MaxValue).</summary>
    public double FiniteWorstMargin => Math.Clamp(WorstMargin, -double.MaxValue, double.MaxValue);
}
