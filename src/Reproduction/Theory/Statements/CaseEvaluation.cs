namespace Reproduction.Theory.Statements;

/// <summary>
/// What a statement says about one instance: its comparisons (all must hold) and tallies the statement's notes and
/// population claims count (e.g. how many instances had a constant reward). No comparison at all means the statement
/// says nothing about the instance (its premise fails): the case is vacuous.
/// </summary>
public sealed class CaseEvaluation
{
    private readonly List<Comparison> _comparisons = [];
    private readonly Dictionary<string, double> _tallies = [];

    public IReadOnlyList<Comparison> Comparisons => _comparisons;
    public bool Holds => _comparisons.All(c => c.Holds);
    public bool IsVacuous => _comparisons.Count == 0;
    public Comparison? FirstFailure => _comparisons.FirstOrDefault(c => !c.Holds);

    /// <summary>The comparisons of one name (a statement may compare the same sides at several points).</summary>
    public IEnumerable<Comparison> Named(string name) => _comparisons.Where(c => c.Name == name);

    /// <summary>A tally of this instance (0 when never counted).</summary>
    public double this[string tally] => _tallies.GetValueOrDefault(tally);

    public IEnumerable<KeyValuePair<string, double>> Tallies => _tallies;

    public CaseEvaluation Add(Comparison c) { _comparisons.Add(c); return this; }

    public CaseEvaluation AtMost(string name, double lhs, double rhs, Func<string> describe, double scale = 1.0) =>
        Add(Comparison.AtMost(name, lhs, rhs, describe, scale));

    public CaseEvaluation Equal(string name, double a, double b, Func<string> describe, double scale = 1.0) =>
        Add(Comparison.Equal(name, a, b, describe, scale));

    public CaseEvaluation Less(string name, double lhs, double rhs, Func<string> describe) =>
        Add(Comparison.Less(name, lhs, rhs, describe));

    public CaseEvaluation Criterion(string name, double margin, bool holds, Func<string> describe) =>
        Add(Comparison.Criterion(name, margin, holds, describe));

    public CaseEvaluation Fraction(string name, int successes, int instances, double required, Func<string> describe) =>
        Add(Comparison.Fraction(name, successes, instances, required, describe));

    /// <summary>Adds <paramref name="amount"/> to a tally (a count, or a value such as an estimated constant).</summary>
    public CaseEvaluation Count(string tally, double amount = 1)
    {
        _tallies[tally] = this[tally] + amount;
        return this;
    }

    public override string ToString() => FirstFailure is { } f ? $"fails {f.Name}: {f.Describe()}" : $"holds ({_comparisons.Count} comparisons)";
}
