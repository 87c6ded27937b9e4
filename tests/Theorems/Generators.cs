using FsCheck;
using FsCheck.Fluent;
using Reproduction.Theory;
using Reproduction.Theory.Checks;
using Reproduction.Theory.Statements;

namespace Repro.Tests.Theorems;

/// <summary>
/// What FsCheck generates: a sampler seed, table sizes within a statement's <see cref="SizeRange"/>, and a case index (which
/// seeds a stochastic trainer). The instance is then drawn by the statement's own <see cref="Statement{T}.Draw(CaseSeed)"/>,
/// so a failing case prints a spec that reproduces it. Shrinks toward the smallest sizes (paper.md §3.6: every phenomenon
/// already appears with two responses).
/// </summary>
public sealed record CaseSpec(int Seed, Size Size, int Index)
{
    public CaseSeed ToCaseSeed() => new(new InstanceSampler(Seed), Size, Index);

    public IEnumerable<CaseSpec> Shrink(SizeRange range)
    {
        if (Size.Prompts > range.MinPrompts) yield return this with { Size = Size with { Prompts = range.MinPrompts } };
        if (Size.Responses > range.MinResponses) yield return this with { Size = Size with { Responses = range.MinResponses } };
        if (Size.Prompts > range.MinPrompts + 1) yield return this with { Size = Size with { Prompts = Size.Prompts - 1 } };
        if (Size.Responses > range.MinResponses + 1) yield return this with { Size = Size with { Responses = Size.Responses - 1 } };
    }

    public override string ToString() => $"CaseSpec(Seed = {Seed}, |X| = {Size.Prompts}, |Y| = {Size.Responses}, Index = {Index})";
}

/// <summary>A generated value together with the spec it was built from (printed on failure).</summary>
public sealed record Generated<T>(CaseSpec Spec, T Value)
{
    public override string ToString() => $"{Spec} => {Value}";
}

/// <summary>All generators of the theory suite (paper.md §3.6), in one place.</summary>
public static class Generators
{
    public static Gen<CaseSpec> Specs(SizeRange range) =>
        from seed in Gen.Choose(0, int.MaxValue - 1)
        from nx in Gen.Choose(range.MinPrompts, range.MaxPrompts)
        from ny in Gen.Choose(range.MinResponses, range.MaxResponses)
        from index in Gen.Choose(0, 999)
        select new CaseSpec(seed, new Size(nx, ny), index);

    /// <summary>An arbitrary that builds T from a spec and shrinks by rebuilding from smaller specs.</summary>
    public static Arbitrary<Generated<T>> From<T>(SizeRange range, Func<CaseSeed, T> make)
    {
        Generated<T> Build(CaseSpec s) => new(s, make(s.ToCaseSeed()));
        return Arb.From(Specs(range).Select(Build), g => g.Spec.Shrink(range).Select(Build));
    }

    /// <summary>T from a sampler and the sizes of paper.md §3.6 (|X| ∈ [1,5], |Y| ∈ [2,6]).</summary>
    public static Arbitrary<Generated<T>> From<T>(Func<InstanceSampler, int, int, T> make) =>
        From(SizeRange.Tables, c => make(c.Sampler, c.Size.Prompts, c.Size.Responses));

    /// <summary>The instances of a statement, drawn by the statement itself.</summary>
    public static Arbitrary<Generated<T>> Instances<T>(Statement<T> statement) => From(statement.Sizes, statement.Draw);

    /// <summary>A random tabular autoregressive model (1–3 prompts, 1–3 tokens + EOS, max length 0–3), with zero-probability tokens in some.</summary>
    public static Arbitrary<Generated<AutoregressiveModel>> Autoregressive(double zeroProbability) =>
        From(Lemma1Statements.Models, c => c.Sampler.Autoregressive(c.Size.Prompts, c.Size.Responses, c.Sampler.Int(0, 3), c.Sampler.Uniform(0.5, 3), zeroProbability));
}

/// <summary>
/// The FsCheck side of the statements in src/Reproduction/Theory/Statements: the same objects `repro theory` runs, each
/// generated case drawn by the statement's own Draw and judged by its own Evaluate. Nothing of a statement is re-typed here.
/// </summary>
public static class StatementProperties
{
    /// <summary>
    /// A statement expected to hold holds on every generated instance. Instances where its premise fails (no comparison)
    /// are discarded, so a statement that is vacuous on most instances exhausts FsCheck and fails.
    /// </summary>
    public static Property HoldsOnEveryCase<T>(Statement<T> statement) =>
        Prop.ForAll(Generators.Instances(statement), g =>
        {
            Assert.Equal(Verdict.Holds, statement.Expected);
            var e = statement.Evaluate(g.Value);
            return Prop.When(!e.IsVacuous, () => Assert.True(e.Holds, $"{statement.Id}: '{e.FirstFailure?.Name}' fails: {e.FirstFailure?.Describe()}"));
        });

    /// <summary>The one comparison of <paramref name="name"/> in an evaluation.</summary>
    public static Comparison Side(this CaseEvaluation e, string name) => Assert.Single(e.Named(name));
}
