using System.CommandLine;
using Reproduction.Experiments;
using Reproduction.Experiments.Verl;

namespace Reproduction.Cli;

/// <summary>
/// `repro export verl --preset NAME --out DIR [--data cola|synthetic|PATH] [--overwrite]`: a complete verl run folder
/// (parquet data, the reward module, scripts for both pipelines, README, manifest); see <see cref="VerlRunFolder"/>.
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Preset name (presets/NAME.json) or path", Required = true };
        var output = new Option<string>("--out") { Description = "The run folder to create", Required = true };
        var data = new Option<string?>("--data") { Description = "Data other than the preset's: cola, synthetic or a CoLA release/GLUE folder" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing folder" };
        var verl = new Command("verl", "Write a verl run folder for a preset: SFT/RL parquet, reward module, SFT and GRPO scripts, the two pipelines") { preset, output, data, overwrite };
        verl.SetAction(parse =>
        {
            var p = StudyPreset.Load(parse.GetValue(preset)!);
            var result = VerlRunFolder.Export(p, parse.GetValue(output)!, parse.GetValue(overwrite), parse.GetValue(data));
            Console.Out.WriteLine($"{result.Folder}: verl run folder for preset {p.Name} ({result.Files.Count} files, {result.TrainRows:N0} train / {result.TestRows:N0} test rows)");
            foreach (var u in result.Unsupported) Console.Out.WriteLine($"  note: {u}");
            Console.Out.WriteLine($"  next: N_GPUS_PER_NODE=8 bash {Path.Combine(result.Folder, VerlScripts.SftThenRl)} (see {Path.Combine(result.Folder, VerlRunFolder.ReadmeFile)})");
            return 0;
        });
        var export = new Command("export", "Export a preset to another training engine");
        export.Subcommands.Add(verl);
        return export;
    }
}
