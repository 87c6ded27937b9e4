using System.CommandLine;
using System.Text.Json.Nodes;
using Reproduction.Gating;
using Reproduction.Reporting;
using Spectre.Console;

namespace Reproduction.Cli;

/// <summary>`repro gate`: the regression gate CI calls. Exit 0 when every check passes, 1 with a table of what drifted.</summary>
public static class GateCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run folder holding report.json", Required = true };
        var baseline = new Option<string?>("--baseline") { Description = "Baseline file (baselines/X.json)" };
        var paper = new Option<string?>("--paper") { Description = "The paper's numbers (baselines/paper.json)" };
        var cmd = new Command("gate", "Check a run against a baseline and the paper's predicted directions") { run, baseline, paper };
        cmd.SetAction(parse =>
        {
            var report = RunReport.Load(parse.GetValue(run)!);
            var b = parse.GetValue(baseline) is { } bp ? Baseline.Load(bp) : null;
            JsonObject? p = null;
            if (parse.GetValue(paper) is { } pp)
            {
                if (!File.Exists(pp)) throw ReproException.ForFile(pp, "paper numbers not found");
                p = JsonNode.Parse(File.ReadAllText(pp)) as JsonObject ?? throw ReproException.ForFile(pp, "not a JSON object");
            }
            var checks = Gate.Evaluate(report, b, p);
            var table = new Table().AddColumn("check").AddColumn("expected").AddColumn("actual").AddColumn("result");
            foreach (var c in checks)
                table.AddRow(Markup.Escape(c.Check), Markup.Escape(c.Expected), Markup.Escape(c.Actual), c.Pass ? "[green]pass[/]" : "[red]FAIL[/]");
            ReproCli.Out.Write(table);
            int failed = checks.Count(c => !c.Pass);
            Console.WriteLine(failed == 0 ? $"gate: all {checks.Count} checks passed" : $"gate: {failed} of {checks.Count} checks failed");
            return failed == 0 && checks.Count > 0 ? 0 : 1;
        });
        return cmd;
    }
}
