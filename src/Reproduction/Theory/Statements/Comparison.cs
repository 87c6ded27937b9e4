namespace Reproduction.Theory.Statements;

/// <summary>How the two sides of a <see cref="Comparison"/> are compared.</summary>
public enum Relation
{
    /// <summary>lhs ≤ rhs up to rounding; margin rhs − lhs.</summary>
    AtMost,
    /// <summary>lhs = rhs up to rounding; margin −|lhs − rhs|.</summary>
    Equal,
    /// <summary>lhs &lt; rhs strictly, with no rounding slack; margin rhs − lhs.</summary>
    Less,
    /// <summary>A criterion of its own (strict, exact or logical): lhs is the margin, rhs 0, no tolerance.</summary>
    Criterion,
    /// <summary>A statistical claim over a population: lhs the observed fraction, rhs the required one.</summary>
    Fraction,
}

/// <summary>
/// One side-by-side comparison of a statement on one instance: its two sides, the rounding tolerance allowed, the margin
/// (how far inside the statement the case lies; negative when it violates it), and whether it holds. A fraction over a
/// population stands for <see cref="Weight"/> cases. <see cref="Describe"/> writes the case out (called only when needed).
/// </summary>
public sealed record Comparison(string Name, Relation Relation, double Lhs, double Rhs, double Tolerance, double Margin, bool Holds, Func<string> Describe, int Weight = 1)
{
    /// <summary>lhs ≤ rhs up to rounding relative to the magnitudes and <paramref name="scale"/> (<see cref="Tolerances.AtMost"/>).</summary>
    public static Comparison AtMost(string name, double lhs, double rhs, Func<string> describe, double scale = 1.0) =>
        new(name, Relation.AtMost, lhs, rhs, Tolerances.Slack(scale, lhs, rhs), rhs - lhs, Tolerances.AtMost(lhs, rhs, scale), describe);

    /// <summary>a = b up to rounding (<see cref="Tolerances.Close"/>; a == b covers equal infinities).</summary>
    public static Comparison Equal(string name, double a, double b, Func<string> describe, double scale = 1.0) =>
        new(name, Relation.Equal, a, b, Tolerances.Slack(scale, a, b), a == b ? 0 : -Math.Abs(a - b), Tolerances.Close(a, b, scale), describe);

    /// <summary>lhs &lt; rhs strictly (a strict inequality, or a count that must be positive: 0 &lt; count).</summary>
    public static Comparison Less(string name, double lhs, double rhs, Func<string> describe) =>
        new(name, Relation.Less, lhs, rhs, 0, rhs - lhs, lhs < rhs, describe);

    /// <summary>A case with its own pass criterion and margin (a strict inequality, an iff, a count that must be positive).</summary>
    public static Comparison Criterion(string name, double margin, bool holds, Func<string> describe) =>
        new(name, Relation.Criterion, margin, 0, 0, margin, holds && !double.IsNaN(margin), describe);

    /// <summary>Successes in at least the <paramref name="required"/> fraction of <paramref name="instances"/> runs; stands for every run.</summary>
    public static Comparison Fraction(string name, int successes, int instances, double required, Func<string> describe)
    {
        var fraction = (double)successes / instances;
        return new(name, Relation.Fraction, fraction, required, 0, fraction - required, fraction >= required, describe, instances);
    }

    public override string ToString() => $"{Name}: lhs={Lhs:G10}, rhs={Rhs:G10}, margin={Margin:G4}, {(Holds ? "holds" : "fails")}";
}
