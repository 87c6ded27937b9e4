using System.CommandLine;
using Reproduction.Theory.Checks;
using Spectre.Console;

namespace Reproduction.Cli;

/// <summary>`repro theory`: runs every theory check (seeded, in-process) and prints the verdict table or JSON.</summary>
public static class TheoryCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON array (id, statement, source, verdict, cases, worstMargin, detail)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated instances", DefaultValueFactory = _ => TheoryChecks.DefaultSeed };
        var cases = new Option<int>("--cases") { Description = "Random cases per check", DefaultValueFactory = _ => TheoryChecks.DefaultCases };
        var cmd = new Command("theory", "Check every theorem of the paper on tabular policies (exit 0 iff every verdict is the expected one)");
        cmd.Options.Add(json);
        cmd.Options.Add(seed);
        cmd.Options.Add(cases);
        cmd.SetAction(p => Run(p.GetValue(json), p.GetValue(seed), p.GetValue(cases)));
        return cmd;
    }

    public static int Run(bool json, int seed, int cases)
    {
        if (cases < 1) throw new ReproException("--cases must be at least 1");
        var results = TheoryChecks.RunAll(seed, cases);
        if (json)
        {
            Console.Out.WriteLine(TheoryReport.ToJson(results));
        }
        else
        {
            var table = new Table().AddColumns("id", "statement", "source", "verdict", "cases", "worst margin");
            foreach (var r in results)
            {
                var verdict = TheoryReport.VerdictName(r.Verdict);
                var colour = r.AsExpected ? (r.Verdict == Verdict.Refuted ? "yellow" : "green") : "red";
                var expected = r.AsExpected ? "" : $" (expected {TheoryReport.VerdictName(r.ExpectedVerdict)})";
                table.AddRow(Markup.Escape(r.Id), Markup.Escape(r.Statement), TheoryReport.SourceName(r.Source),
                    $"[{colour}]{verdict}{Markup.Escape(expected)}[/]", r.Cases.ToString(), r.WorstMargin.ToString("G4"));
            }
            ReproCli.Out.Write(table);
            foreach (var r in results.Where(r => r.Verdict == Verdict.Refuted || !r.AsExpected))
                ReproCli.Out.MarkupLine($"[bold]{Markup.Escape(r.Id)}[/]: {Markup.Escape(r.Detail)}");
            ReproCli.Out.MarkupLine("Rows with source [italic]speculative[/] are templates for v2's unknown statements, not the paper's results.");
        }
        return TheoryReport.ExitCode(results);
    }
}
