namespace Reproduction.Theory.Statements;

/// <summary>The table sizes of one instance: |X| prompts and |Y| responses (or the alphabet, or the vocabulary).</summary>
public readonly record struct Size(int Prompts, int Responses);

/// <summary>
/// The sizes a statement's instances range over. The runner draws each size whose range is not a single value from the
/// instance's sampler, prompts first; property tests generate them (shrinking toward the minimum).
/// </summary>
public sealed record SizeRange(int MinPrompts, int MaxPrompts, int MinResponses, int MaxResponses)
{
    /// <summary>Nothing to draw: the statement's instances have no table sizes (or fix their own).</summary>
    public static readonly SizeRange None = new(1, 1, 1, 1);

    /// <summary>The tables of paper.md §3.6: |X| ∈ [1, 5], |Y| ∈ [2, 6].</summary>
    public static readonly SizeRange Tables = new(1, TheoremInstances.MaxPrompts, TheoremInstances.MinResponses, TheoremInstances.MaxResponses);

    /// <summary>One alphabet of 2–6 letters (prompts fixed to one).</summary>
    public static readonly SizeRange Alphabet = new(1, 1, 2, 6);

    public Size Minimum => new(MinPrompts, MinResponses);

    public Size Draw(InstanceSampler s) => new(
        MinPrompts == MaxPrompts ? MinPrompts : s.Int(MinPrompts, MaxPrompts),
        MinResponses == MaxResponses ? MinResponses : s.Int(MinResponses, MaxResponses));

    public bool Contains(Size z) => z.Prompts >= MinPrompts && z.Prompts <= MaxPrompts && z.Responses >= MinResponses && z.Responses <= MaxResponses;
}

/// <summary>
/// Where one instance comes from: the sampler it is drawn with, its sizes, and its index in the run (which a statement
/// may use to seed a stochastic trainer).
/// </summary>
public sealed record CaseSeed(InstanceSampler Sampler, Size Size, int Index);

/// <summary>
/// The instances a run evaluated, named ones (counterexamples) first, the sampler it drew them with, the number of cases
/// asked for, and (for the note) what the population claims found.
/// </summary>
public sealed record Population<T>(IReadOnlyList<(T Instance, CaseEvaluation Evaluation)> Named, IReadOnlyList<(T Instance, CaseEvaluation Evaluation)> Drawn, InstanceSampler Sampler, int RequestedCases)
{
    public CaseEvaluation Conclusion { get; init; } = new();

    /// <summary>A tally summed over the drawn instances.</summary>
    public double Sum(string tally) => Drawn.Sum(d => d.Evaluation[tally]);

    /// <summary>How many drawn instances have a non-zero tally.</summary>
    public int Count(string tally) => Drawn.Count(d => d.Evaluation[tally] != 0);

    /// <summary>The fraction of drawn instances with a non-zero tally.</summary>
    public double Share(string tally) => (double)Count(tally) / Drawn.Count;

    /// <summary>A statistical claim: the tally is non-zero in at least <paramref name="required"/> of the drawn instances.</summary>
    public CaseEvaluation RequireShare(string tally, double required, string name, Func<double, string> describe)
    {
        var (successes, n) = (Count(tally), Drawn.Count);
        return new CaseEvaluation().Fraction(name, successes, n, required, () => describe((double)successes / n));
    }

    /// <summary>A premise the run must have met somewhere: the tally summed over the drawn instances is positive (margin: the sum).</summary>
    public CaseEvaluation RequireSome(string tally, string name, string describe) =>
        new CaseEvaluation().Less(name, 0, Sum(tally), () => describe);
}
