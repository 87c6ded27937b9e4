using System.CommandLine;
using Reproduction.Gating;
using Reproduction.Reporting;

namespace Reproduction.Cli;

/// <summary>`repro baseline record --run DIR --out baselines/X.json`: snapshot a run as a baseline with tolerances.</summary>
public static class BaselineCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run folder holding report.json", Required = true };
        var output = new Option<string>("--out") { Description = "Baseline file to write (e.g. baselines/tiny-cpu.json)", Required = true };
        var record = new Command("record", "Record a run as a baseline (tolerances from its seed spread; see the file's tolerance_rule)") { run, output };
        record.SetAction(parse =>
        {
            var baseline = BaselineRecorder.Record(RunReport.Load(parse.GetValue(run)!));
            baseline.Save(parse.GetValue(output)!);
            foreach (var why in baseline.Refused ?? []) Console.Error.WriteLine($"repro: refused to record {why}");
            Console.WriteLine($"wrote {parse.GetValue(output)} ({baseline.Curves.Count} curves, {baseline.EndMetrics.Count} end metrics). " +
                              "A change to a committed baseline needs its reason in the commit message.");
            return 0;
        });
        return new Command("baseline", "Baselines for the regression gate") { record };
    }
}
