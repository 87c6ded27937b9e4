using System.CommandLine;
using Reproduction.Reporting;

namespace Reproduction.Cli;

/// <summary>`repro report --run DIR`: (re)writes report.md and the Fig. 3 PNGs from a run folder's report.json.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run folder holding report.json", Required = true };
        var cmd = new Command("report", "Render report.md and fig3a/fig3b PNGs from a run folder's report.json") { run };
        cmd.SetAction(parse =>
        {
            var dir = parse.GetValue(run)!;
            var report = RunReport.Load(dir);
            var md = ReportMarkdown.Write(report, dir);
            var figures = Figure3.WriteAll(report, dir);
            Console.WriteLine(md);
            foreach (var f in figures) Console.WriteLine(f);
            return 0;
        });
        return cmd;
    }
}
