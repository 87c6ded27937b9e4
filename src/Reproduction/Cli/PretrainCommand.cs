using System.CommandLine;
using System.Diagnostics;
using Reproduction.Data;
using System.Text.Json.Nodes;
using Reproduction.Experiments;
using Reproduction.IO;
using Reproduction.Qwen3;
using Reproduction.Text;

namespace Reproduction.Cli;

/// <summary>
/// `repro pretrain`: rebuilds a preset's base model from its recipe (the preset's `base` phases) for one seed and
/// writes it as a sealed HF folder (recipe.json + SHA256SUMS), the form the repository ships in bases/.
/// </summary>
public static class PretrainCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Preset name or path (its model, data and base recipe)", DefaultValueFactory = _ => "tiny" };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated seeds, one base each", DefaultValueFactory = _ => "1" };
        var output = new Option<string?>("--out") { Description = "Root folder; each base goes to OUT/PRESET/seed-N (default: bases/ of the program)" };
        var threads = new Option<int>("--threads") { Description = "Torch threads (bit-identity holds for the same count on the same CPU)", DefaultValueFactory = _ => 1 };
        var phases = new Option<bool>("--save-phases") { Description = "Also save the model after each phase (OUT/PRESET/seed-N/phase-I), to study the recipe" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines: only errors and the final line (with --json, only the JSON)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout (each base's folder, file hashes and recipe); progress lines go to stderr" };
        var cmd = new Command("pretrain", "Rebuild a preset's base model from its recipe (skill, then calibration) as a sealed HF folder") { preset, seeds, output, threads, phases, quiet, json };
        cmd.SetAction(parse =>
        {
            var p = StudyPreset.Load(parse.GetValue(preset)!);
            if (p.Base is null) throw new ReproException($"preset {p.Name}: has no base recipe (model.source '{p.Model.Source}')");
            var list = StudyCommand.ParseSeeds(parse.GetValue(seeds)!);
            TorchSharp.torch.set_num_threads(Math.Max(1, parse.GetValue(threads)));
            var root = parse.GetValue(output) ?? ShippedBase.ShippedDirectory;
            var (train, test) = TaskSetup.LoadData(p.Data);
            var encoder = TaskSetup.Encoder(p, Qwen3Tokenizer.LoadDefault(), ColaTaskFormatter.ColaRl, train.Concat(test).ToList());
            bool asJson = parse.GetValue(json);
            var display = ProgressDisplay.For(parse.GetValue(quiet), asJson);
            var folders = new List<string>();
            display.Run(() =>
            {
                var progress = new JobProgress(list.Count, "bases");
                foreach (var seed in list)
                {
                    using var job = progress.Begin($"seed {seed}");
                    var clock = Stopwatch.StartNew();
                    var model = TaskSetup.InitializedModel(p, encoder, seed);
                    var folder = ShippedBase.FolderFor(root, p.Name, seed);
                    TaskSetup.Pretrain(model, p.Base, p, encoder, train, seed, null, display.Log,
                        parse.GetValue(phases) ? (i, m) => TaskSetup.SaveModel(m, encoder, Path.Combine(folder + "-phases", $"phase-{i}")) : null);
                    TaskSetup.SaveModel(model, encoder, folder);
                    ShippedBase.Seal(folder, p, seed);
                    folders.Add(folder);
                    display.Log($"seed {seed}: wrote {folder} in {clock.Elapsed.TotalSeconds:F0} s; {progress.Finished()}");
                }
            });
            if (asJson)
                Console.Out.WriteLine(new JsonObject
                {
                    ["preset"] = p.Name, ["root"] = root,
                    ["bases"] = new JsonArray(folders.Zip(list).Select(x => (JsonNode)new JsonObject
                    {
                        ["seed"] = x.Second, ["folder"] = x.First,
                        ["sha256"] = new JsonObject(Sha256Sums.Load(Path.Combine(x.First, ShippedBase.SumsFile)).Entries
                            .OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))),
                        ["recipe"] = JsonNode.Parse(File.ReadAllText(Path.Combine(x.First, ShippedBase.RecipeFile))),
                    }).ToArray()),
                }.ToJsonString());
            else Console.Out.WriteLine($"wrote {string.Join(", ", folders)}");
            return 0;
        });
        return cmd;
    }
}
