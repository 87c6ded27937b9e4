using FsCheck;
using FsCheck.Fluent;

namespace Repro.Tests.Fuzz;

/// <summary>
/// One fuzz case as FsCheck generates it: a seed for the mutator's <see cref="Random"/> and how many mutations to stack.
/// The mutated input is a pure function of it, so a failing case printed by FsCheck reproduces exactly.
/// </summary>
public sealed record FuzzCase(int Seed, int Mutations)
{
    public Random Random() => new(Seed);

    public static readonly Gen<FuzzCase> Gen =
        from seed in FsCheck.Fluent.Gen.Choose(0, int.MaxValue - 1)
        from count in FsCheck.Fluent.Gen.Frequency((6, FsCheck.Fluent.Gen.Constant(1)), (3, FsCheck.Fluent.Gen.Choose(2, 3)), (1, FsCheck.Fluent.Gen.Choose(4, 8)))
        select new FuzzCase(seed, count);

    /// <summary>Runs `check` on `cases` generated cases; the first failure throws with the case that caused it.</summary>
    public static void Run(int cases, Action<FuzzCase> check) =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true), Prop.ForAll(Arb.From(Gen), check));
}
