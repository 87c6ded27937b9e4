using System.CommandLine;
using Reproduction.Experiments;
using Reproduction.Experiments.Schedules;
using Reproduction.IO;
using Reproduction.Reporting;
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
        var existing = new Option<string?>("--run") { Description = "Re-draw an existing frontier run folder (a --schedules frontier from its frontier.json; otherwise the two-stage frontier and the bridge, if measured) instead of running one" };
        var schedules = new Option<string?>("--schedules")
        {
            Description = "Run these schedules (comma-separated, or all; default: the preset's frontier.schedules, if it has them) from each seed's base with equal budgets, and write frontier.json, frontier.md, frontier.png. " +
                          "A schedule is name, name:value (its main parameter) or name:key=value[:key=value]. Schedules:\n" + ScheduleCatalog.Help(),
        };
        var sweep = new Option<bool>("--sweep") { Description = "With --schedules: also run each listed schedule's main parameter at its sweep values (one curve per schedule on the figure)" };
        var parallel = new Option<int?>("--parallel") { Description = "With --schedules: jobs side by side (default: the core count), one torch thread each" };
        var quiet = new Option<bool>("--quiet") { Description = "With --schedules: no progress lines, no table (only the files; with --json, only the JSON)" };
        var json = new Option<bool>("--json") { Description = "With --schedules: print frontier.json (with the run folder added) on stdout; progress lines go to stderr" };
        var bridge = BridgeOptionsArguments.Create();
        var cmd = new Command("frontier", "The SFT↔RL trade-off: with --schedules, the field's ways of mixing SFT and RL side by side on equal budgets; " +
            "without, Δ SFT-test CE against Δ mean@1 along each two-stage pipeline's second stage") { preset, seeds, output, existing, schedules, sweep, parallel, quiet, json };
        bridge.AddTo(cmd);
        var cache = CacheArguments.Create();
        cache.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(existing) is { } runDir)
            {
                using var owner = RunFolderLock.Acquire(runDir, "frontier --run", existing: true);
                if (ScheduleFrontierReport.LoadRuns(runDir) is { } loaded)
                {
                    ScheduleFrontierReport.Write(ScheduleFrontierReport.Summarize(loaded.Runs), loaded.Runs, loaded.Preset, runDir);
                    AnsiConsole.MarkupLine($"wrote {Markup.Escape(Path.Combine(runDir, ScheduleFrontierReport.JsonFile))}, {ScheduleFrontierReport.MarkdownFile} and {ScheduleFrontierReport.PngFile}");
                    return 0;
                }
                var run = Reporting.RunReport.Load(runDir);
                Frontier.Write(run, runDir);
                if (File.Exists(Path.Combine(runDir, BridgeReport.JsonFile))) BridgeReport.Write(run.Preset, run.Seeds, BridgeReport.Load(runDir), runDir);
                AnsiConsole.MarkupLine($"wrote {Markup.Escape(Path.Combine(runDir, Frontier.JsonFile))} and {Markup.Escape(Frontier.PngFile)}");
                return 0;
            }
            var p = StudyPreset.Load(parse.GetValue(preset)!);
            var seedList = parse.GetValue(seeds) is { } s ? StudyCommand.ParseSeeds(s) : p.Seeds;
            // --schedules, else the preset's frontier.schedules (with its sweep flag), else the two-stage frontier below.
            var fromPreset = p.Frontier is { Schedules.Count: > 0 } f ? f : null;
            if (parse.GetValue(schedules) is not null || fromPreset is not null)
            {
                var chosen = parse.GetValue(schedules) is { } given ? ScheduleCatalog.ParseList(given, parse.GetValue(sweep))
                    : (fromPreset! with { Sweep = fromPreset.Sweep || parse.GetValue(sweep) }).Parse($"preset {p.Name}: frontier.schedules");
                if (bridge.Get(parse) is not null)
                    throw new ReproException("--bridge measures the two-stage frontier's second stages; the schedule frontier does not take it (run repro frontier without --schedules, or repro ablate)");
                var outDir = parse.GetValue(output) ?? Path.Combine("runs", $"frontier-schedules-{p.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
                bool asJson = parse.GetValue(json), silent = parse.GetValue(quiet);
                var display = ProgressDisplay.For(silent, asJson);
                display.Run(() => new ScheduleFrontierRunner(p, chosen, outDir, seedList, display.Log) { Parallelism = parse.GetValue(parallel), CacheDir = cache.Get(parse) }.Run());
                if (asJson)
                {
                    var document = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, ScheduleFrontierReport.JsonFile)))!.AsObject();
                    document.Insert(0, "run", outDir);
                    Console.Out.WriteLine(document.ToJsonString());
                }
                else if (!silent) AnsiConsole.MarkupLine(Markup.Escape(File.ReadAllText(Path.Combine(outDir, ScheduleFrontierReport.MarkdownFile))));
                return 0;
            }
            if (parse.GetValue(sweep) || parse.GetValue(parallel) is not null || parse.GetValue(quiet) || parse.GetValue(json))
                throw new ReproException("--sweep, --parallel, --quiet and --json need --schedules (or a preset with frontier.schedules)");
            var dir = parse.GetValue(output) ?? Path.Combine("runs", $"frontier-{p.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            var twoStage = ProgressDisplay.For();
            var report = twoStage.Run(() => new StudyRunner(p, dir, seedList, twoStage.Log) { TrackAll = true, Bridge = bridge.Get(parse), CacheDir = cache.Get(parse) }.Run());
            using (RunFolderLock.Acquire(dir, "frontier")) Frontier.Write(report, dir);
            foreach (var path in Frontier.Paths(report).Where(x => x.Seed is null))
                AnsiConsole.MarkupLine(Markup.Escape($"{path.Pipeline}: end of stage 2 Δ reward {path.Points[^1].DeltaReward:+0.000;-0.000}, Δ CE {path.Points[^1].DeltaCe:+0.000;-0.000}" +
                    (path.CePerReward is { } rate ? $" ({rate:F2} nats of SFT loss per unit of reward)" : "")));
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(Path.Combine(dir, Frontier.JsonFile))} and {Markup.Escape(Frontier.PngFile)}");
            return 0;
        });
        return cmd;
    }
}
