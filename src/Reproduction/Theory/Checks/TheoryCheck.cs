namespace Reproduction.Theory.Checks;

/// <summary>
/// A checkable statement: an id, a one-line statement, its source, the verdict the suite expects (Refuted only for the
/// paper's errors), and the seeded procedure that checks it.
/// </summary>
public sealed record TheoryCheck(string Id, string Statement, CheckSource Source, Verdict Expected, Func<CheckContext, CheckOutcome> Procedure)
{
    public TheoryCheckResult Run(CheckContext context)
    {
        var o = Procedure(context);
        var verdict = o.Tracker.Failures > 0 ? Verdict.Refuted : Verdict.Holds;
        var detail = verdict == Verdict.Refuted
            ? $"counterexample: {o.Tracker.FirstFailure}" + (o.Note is null ? "" : $" | {o.Note}")
            : o.Note ?? "";
        if (Source == CheckSource.Speculative) detail = "[speculative v2 template, not the paper's result] " + detail;
        return new TheoryCheckResult(Id, Statement, Source, verdict, Expected, o.Tracker.Cases, o.Tracker.FiniteWorstMargin, detail);
    }
}

/// <summary>What a check procedure returns: its cases and an optional note for the detail column.</summary>
public sealed record CheckOutcome(MarginTracker Tracker, string? Note = null);

/// <summary>The seed and the number of random cases per check (each check derives its own sampler from the seed and its id).</summary>
public sealed record CheckContext(int Seed, int Cases)
{
    public InstanceSampler SamplerFor(string id) => new(unchecked(Seed * 31 + StableHash(id)));

    private static int StableHash(string s)
    {
        unchecked
        {
            int h = (int)2166136261;
            foreach (var c in s) h = (h ^ c) * 16777619;
            return h;
        }
    }
}
