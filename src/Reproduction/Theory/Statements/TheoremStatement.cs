using Reproduction.Theory.Checks;

namespace Reproduction.Theory.Statements;

/// <summary>
/// One result of the paper (or derived, or a speculative template), stated once: its id, its one-line text, its source,
/// the verdict the suite expects (Refuted only for the paper's errors), and the sizes its instances range over.
/// <see cref="Statement{T}"/> adds how an instance is drawn and what the statement says about it; `repro theory` and the
/// property tests both run these objects.
/// </summary>
public abstract class TheoremStatement
{
    public required string Id { get; init; }
    public required string Text { get; init; }
    public required CheckSource Source { get; init; }
    public required Verdict Expected { get; init; }
    public SizeRange Sizes { get; init; } = SizeRange.None;

    /// <summary>Runs the statement over its named instances and the seeded random cases of <paramref name="context"/>.</summary>
    public abstract TheoryCheckResult Check(CheckContext context);

    public override string ToString() => Id;
}

/// <summary>
/// A statement about instances of type <typeparamref name="T"/>. <see cref="Draw(CaseSeed)"/> makes one instance from a seeded
/// sampler; <see cref="Evaluate"/> compares the statement's two sides on it (lhs, rhs, tolerance, margin, holds). A run
/// evaluates the <see cref="Named"/> instances first, then <see cref="CaseCount"/> drawn ones, then the population claims of
/// <see cref="Conclude"/> (a required fraction, a search that must find a witness, a premise that must have held somewhere).
/// </summary>
public sealed class Statement<T> : TheoremStatement
{
    /// <summary>Makes one instance (the sizes are already drawn into the seed).</summary>
    public required Func<CaseSeed, T> Instance { get; init; }

    /// <summary>What the statement says about one instance.</summary>
    public required Func<T, CaseEvaluation> Sides { get; init; }

    /// <summary>Instances evaluated before the random ones: the named counterexamples, a fixed sequence.</summary>
    public IReadOnlyList<T> Named { get; init; } = [];

    /// <summary>How many random instances a run of <c>--cases n</c> draws (n unless the instances are expensive).</summary>
    public Func<int, int> CaseCount { get; init; } = n => n;

    /// <summary>Claims about the whole run, checked after its cases.</summary>
    public Func<Population<T>, CaseEvaluation>? Conclude { get; init; }

    /// <summary>The detail of the report row (what was counted, how the check was set up).</summary>
    public Func<Population<T>, string?>? Note { get; init; }

    public T Draw(CaseSeed seed) => Instance(seed);

    /// <summary>Draws the sizes from <paramref name="s"/>, then the instance.</summary>
    public T Draw(InstanceSampler s, int index = 0) => Instance(new CaseSeed(s, Sizes.Draw(s), index));

    public CaseEvaluation Evaluate(T instance) => Sides(instance);

    public override TheoryCheckResult Check(CheckContext context) => TheoryCheck.Run(this, context);
}
