using System.CommandLine;
using Reproduction.Experiments;
using Spectre.Console;

namespace Reproduction.Cli;

/// <summary>`repro frontier`: the study with every metric tracked in both pipelines, plus frontier.json and frontier.png.</summary>
public static class FrontierCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Preset name or path", DefaultValueFactory = _ => "tiny" };
        var seeds = new Option<string?>("--seeds") { Description = "Comma-separated seeds (default: the preset's)" };
        var output = new Option<string?>("--out") { Description = "Run folder (default runs/frontier-<preset>-<UTC time>)" };
        var existing = new Option<string?>("--run") { Description = "Re-draw the frontier (and the bridge, if measured) of an existing frontier run folder instead of running one" };
        var bridge = BridgeOptionsArguments.Create();
        var cmd = new Command("frontier", "The SFT↔RL trade-off: Δ SFT-test CE against Δ mean@1 along each pipeline's second stage") { preset, seeds, output, existing };
        bridge.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(existing) is { } runDir)
            {
                var run = Reporting.RunReport.Load(runDir);
                Frontier.Write(run, runDir);
                if (File.Exists(Path.Combine(runDir, BridgeReport.JsonFile))) BridgeReport.Write(run.Preset, run.Seeds, BridgeReport.Load(runDir), runDir);
                AnsiConsole.MarkupLine($"wrote {Markup.Escape(Path.Combine(runDir, Frontier.JsonFile))} and {Markup.Escape(Frontier.PngFile)}");
                return 0;
            }
            var p = StudyPreset.Load(parse.GetValue(preset)!);
            var seedList = parse.GetValue(seeds) is { } s ? StudyCommand.ParseSeeds(s) : p.Seeds;
            var dir = parse.GetValue(output) ?? Path.Combine("runs", $"frontier-{p.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            var report = new StudyRunner(p, dir, seedList, line => AnsiConsole.MarkupLine(Markup.Escape(line))) { TrackAll = true, Bridge = bridge.Get(parse) }.Run();
            Frontier.Write(report, dir);
            foreach (var path in Frontier.Paths(report).Where(x => x.Seed is null))
                AnsiConsole.MarkupLine(Markup.Escape($"{path.Pipeline}: end of stage 2 Δ reward {path.Points[^1].DeltaReward:+0.000;-0.000}, Δ CE {path.Points[^1].DeltaCe:+0.000;-0.000}" +
                    (path.CePerReward is { } rate ? $" ({rate:F2} nats of SFT loss per unit of reward)" : "")));
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(Path.Combine(dir, Frontier.JsonFile))} and {Markup.Escape(Frontier.PngFile)}");
            return 0;
        });
        return cmd;
    }
}
