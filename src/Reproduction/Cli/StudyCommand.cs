using System.CommandLine;
using System.Text.Json.Nodes;
using Reproduction.Experiments;
using Spectre.Console;

namespace Reproduction.Cli;

/// <summary>`repro study`: both of the paper's pipelines on a preset, with report, figures and checkpoints. The README's main command.</summary>
public static class StudyCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Preset name (presets/NAME.json) or path", DefaultValueFactory = _ => "tiny" };
        var seeds = new Option<string?>("--seeds") { Description = "Comma-separated seeds (default: the preset's)" };
        var output = new Option<string?>("--out") { Description = "Run folder (default runs/<preset>-<UTC time>)" };
        var parallel = new Option<int?>("--parallel") { Description = "Seeds run at once, one torch thread each (default: one per core; 1 runs them in turn on every core)" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines: only the summary (or, with --json, only the JSON)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout (run folder, report, wall time, stage effects, couplings); progress lines go to stderr" };
        var cache = CacheArguments.Create();
        var cmd = new Command("study", "Run SFT-then-RL and RL-then-SFT (the paper's Fig. 3) and write a run folder with report and figures")
            { preset, seeds, output, parallel, quiet, json };
        cache.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var p = StudyPreset.Load(parse.GetValue(preset)!);
            var seedList = parse.GetValue(seeds) is { } s ? ParseSeeds(s) : p.Seeds;
            var dir = parse.GetValue(output) ?? Path.Combine("runs", $"{p.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            bool asJson = parse.GetValue(json);
            var display = ProgressDisplay.For(parse.GetValue(quiet), asJson);
            Action<string> progress = display.Log;
            progress($"repro study preset {p.Name}, seeds {string.Join(",", seedList)} → {dir}");
            progress(p.Description);
            if (parse.GetValue(parallel) is < 1) throw new ReproException("--parallel: must be at least 1");
            var report = display.Run(() => new StudyRunner(p, dir, seedList, progress) { Parallelism = parse.GetValue(parallel), CacheDir = cache.Get(parse) }.Run());
            var effects = new JsonArray();
            foreach (var effect in Reporting.StageEffect.All)
            {
                if (!report.Pipelines.Any(x => x.Id == effect.Pipeline && x.CurvesOf(effect.Metric).Count > 0)) continue;
                var (change, _, holds) = effect.Evaluate(report);
                effects.Add(new JsonObject { ["statement"] = effect.Statement, ["holds"] = holds, ["change"] = Change(change) });
                if (!asJson) AnsiConsole.MarkupLine($"{(holds ? "[green]stage effect[/]" : "[red]" + Markup.Escape(effect.Missing) + "[/]")}: {Markup.Escape(effect.Statement)} (change {Markup.Escape(change.ToString())})");
            }
            var couplings = new JsonArray();
            foreach (var claim in Reporting.PaperClaim.All)
            {
                var (change, holds) = claim.Evaluate(report);
                couplings.Add(new JsonObject { ["statement"] = claim.Statement, ["observed"] = holds, ["change"] = Change(change) });
                if (!asJson) AnsiConsole.MarkupLine($"{(holds ? "[green]observed[/]" : "[yellow]not observed[/]")}: {Markup.Escape(claim.Statement)} (change {Markup.Escape(change.ToString())})");
            }
            var reportPath = Path.Combine(dir, Reporting.ReportMarkdown.FileName);
            if (asJson)
                Console.Out.WriteLine(new JsonObject
                {
                    ["run"] = dir, ["report"] = reportPath, ["wall_seconds"] = report.Environment["wall_seconds"]?.DeepClone(),
                    ["stage_effects"] = effects, ["couplings"] = couplings,
                }.ToJsonString());
            else
            {
                AnsiConsole.MarkupLine($"wall time: {report.Environment["wall_seconds"]} s");
                AnsiConsole.MarkupLine($"report: {Markup.Escape(reportPath)}");
            }
            return 0;
        });
        return cmd;
    }

    private static JsonObject Change(Reporting.SeedStatistic c) =>
        new() { ["mean"] = c.Mean, ["ci95_low"] = c.Low, ["ci95_high"] = c.High, ["seeds"] = c.N };

    public static IReadOnlyList<int> ParseSeeds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var seeds = parts.Select(x => int.TryParse(x, out var v) ? v : throw new ReproException($"--seeds: '{x}' is not an integer")).ToList();
        return seeds.Count > 0 ? seeds : throw new ReproException("--seeds: no seeds given");
    }
}
