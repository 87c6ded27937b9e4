using Reproduction.Theory.Statements;

namespace Reproduction.Theory.Checks;

/// <summary>
/// The runner behind `repro theory`: evaluates one statement over its named instances and the seeded random cases, then
/// its population claims, and turns the comparisons into a verdict, a case count and the worst margin.
/// </summary>
public static class TheoryCheck
{
    public static TheoryCheckResult Run<T>(Statement<T> statement, CheckContext context)
    {
        var tracker = new MarginTracker();
        List<(T, CaseEvaluation)> Evaluated(IEnumerable<T> instances) => instances.Select(i =>
        {
            var e = statement.Evaluate(i);
            tracker.AddAll(e);
            return (i, e);
        }).ToList();

        var named = Evaluated(statement.Named);
        var s = context.SamplerFor(statement.Id);
        var drawn = Evaluated(Enumerable.Range(0, statement.CaseCount(context.Cases)).Select(c => statement.Draw(s, c)));
        var population = new Population<T>(named, drawn, s, context.Cases);
        if (statement.Conclude is { } conclude)
        {
            population = population with { Conclusion = conclude(population) };
            tracker.AddAll(population.Conclusion);
        }
        var note = statement.Note?.Invoke(population);

        var verdict = tracker.Failures > 0 ? Verdict.Refuted : Verdict.Holds;
        var detail = verdict == Verdict.Refuted
            ? $"counterexample: {tracker.FirstFailure}" + (note is null ? "" : $" | {note}")
            : note ?? "";
        if (statement.Source == CheckSource.Speculative) detail = "[speculative v2 template, not the paper's result] " + detail;
        return new TheoryCheckResult(statement.Id, statement.Text, statement.Source, verdict, statement.Expected, tracker.Cases, tracker.FiniteWorstMargin, detail);
    }
}

/// <summary>The seed and the number of random cases per check (each check derives its own sampler from the seed and its id).</summary>
public sealed record CheckContext(int Seed, int Cases)
{
    public InstanceSampler SamplerFor(string id) => new(Seeds.TheoryStatement(Seed, id));
}
