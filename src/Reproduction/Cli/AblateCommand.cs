using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Reproduction.Experiments;
using Spectre.Console;

namespace Reproduction.Cli;

/// <summary>`repro ablate --kind reward|beta|schedule`: SFT-then-RL under variants (one pipeline each), with the bridge, report, figures and JSON.</summary>
public static class AblateCommand
{
    public static Command Create()
    {
        var kind = new Option<string>("--kind") { Description = "reward (strict vs label-only), beta (KL sweep) or schedule (the two orders, or any schedule of `repro frontier --help`: interleaved:K, joint:LAMBDA, …)", Required = true };
        var preset = new Option<string>("--preset") { Description = "Preset name or path", DefaultValueFactory = _ => "tiny" };
        var seeds = new Option<string?>("--seeds") { Description = "Comma-separated seeds (default: the preset's)" };
        var output = new Option<string?>("--out") { Description = "Run folder (default runs/ablate-<kind>-<preset>-<UTC time>)" };
        var betas = new Option<string?>("--betas") { Description = "beta: comma-separated KL coefficients (default 0,0.001,0.01,0.1)" };
        var schedules = new Option<string?>("--schedules") { Description = "schedule: comma-separated schedules (default sft-then-rl,rl-then-sft,interleaved:10,joint:1)" };
        var noBridge = new Option<bool>("--no-bridge") { Description = "Skip the theory bridge" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines and no table: only errors and the final line (with --json, only the JSON)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout (run folder, files written, ablation.json's variant table); progress lines go to stderr" };
        var bridge = BridgeOptionsArguments.Create();
        var cmd = new Command("ablate", "Ablations of SFT-then-RL: the training reward, the KL coefficient, and schedules that do not decouple")
            { kind, preset, seeds, output, betas, schedules, noBridge, quiet, json };
        bridge.AddTo(cmd);
        var cache = CacheArguments.Create();
        cache.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var p = StudyPreset.Load(parse.GetValue(preset)!);
            var k = parse.GetValue(kind)!;
            var seedList = parse.GetValue(seeds) is { } s ? StudyCommand.ParseSeeds(s) : p.Seeds;
            var betaList = parse.GetValue(betas) is { } b ? b.Split(',').Select(x => double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : throw new ReproException($"--betas: '{x}' is not a non-negative number")).ToList() : null;
            var scheduleList = parse.GetValue(schedules) is { } sc ? sc.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList() : null;
            var variants = AblationRunner.Variants(k, betaList, scheduleList);
            var dir = parse.GetValue(output) ?? Path.Combine("runs", $"ablate-{k}-{p.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            bool asJson = parse.GetValue(json), silent = parse.GetValue(quiet);
            var display = ProgressDisplay.For(silent, asJson);
            display.Log($"repro ablate {k}: {string.Join(", ", variants.Select(v => v.Id))} on preset {p.Name}, seeds {string.Join(",", seedList)} → {dir}");
            var options = bridge.Get(parse, force: !parse.GetValue(noBridge));
            display.Run(() => new AblationRunner(p, k, variants, dir, seedList, options, display.Log) { CacheDir = cache.Get(parse) }.Run());
            var table = Path.Combine(dir, AblationRunner.MarkdownFile);
            if (asJson)
            {
                var document = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, AblationRunner.JsonFile)))!.AsObject();
                document.Insert(0, "run", dir);
                document.Insert(1, "files", new JsonArray(Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).Select(f => (JsonNode)f).ToArray()));
                Console.Out.WriteLine(document.ToJsonString());
                return 0;
            }
            if (!silent) AnsiConsole.WriteLine(File.ReadAllText(table));
            Console.Out.WriteLine($"report: {table}");
            return 0;
        });
        return cmd;
    }
}
