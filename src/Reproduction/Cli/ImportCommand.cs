using System.CommandLine;
using Reproduction.Experiments;
using Reproduction.Experiments.Verl;

namespace Reproduction.Cli;

/// <summary>
/// `repro import verl --preset NAME --out DIR --log PIPELINE/STAGE=FILE ... [--seed N] [--train-reward strict] [--data-source cola]`:
/// verl's console or file-logger output → a run folder that `repro report` and `repro gate` read; see <see cref="VerlLogImporter"/>.
/// </summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "The preset the run was exported from (name or path; the export's preset.json)", Required = true };
        var output = new Option<string>("--out") { Description = "The run folder to create (report.json)", Required = true };
        var logs = new Option<string[]>("--log")
        {
            Description = "PIPELINE/STAGE=FILE, repeatable: sft-then-rl/sft, sft-then-rl/grpo, rl-then-sft/grpo, rl-then-sft/sft; a verl console log or metrics.jsonl",
            Required = true, AllowMultipleArgumentsPerToken = false,
        };
        var seed = new Option<int>("--seed") { Description = "The seed the run used (its curves' seed)", DefaultValueFactory = _ => 1 };
        var reward = new Option<string>("--train-reward") { Description = "The reward verl trained with (its val-core metric): strict, strict_fixed, robust or label_only", DefaultValueFactory = _ => "strict" };
        var source = new Option<string>("--data-source") { Description = "The data_source of the validation metrics", DefaultValueFactory = _ => "cola" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing folder" };
        var verl = new Command("verl", "Convert verl logs into a run folder for repro report and repro gate") { preset, output, logs, seed, reward, source, overwrite };
        verl.SetAction(parse =>
        {
            var p = StudyPreset.Load(parse.GetValue(preset)!);
            var sources = parse.GetValue(logs)!.Select(VerlLogSource.Parse).ToList();
            var options = new VerlImportOptions(parse.GetValue(reward)!, parse.GetValue(source)!, parse.GetValue(seed));
            var dir = parse.GetValue(output)!;
            var result = VerlLogImporter.ImportTo(dir, parse.GetValue(overwrite), p, sources, options);
            foreach (var w in result.Warnings) Console.Error.WriteLine($"repro: warning: {w}");
            foreach (var pipeline in result.Report.Pipelines)
                Console.Out.WriteLine($"{pipeline.Id}: {string.Join(" → ", pipeline.Stages.Select(s => $"{s.Name} {s.Steps} steps"))}; curves {string.Join(", ", pipeline.Metrics)}");
            Console.Out.WriteLine($"wrote {Path.Combine(Path.GetFullPath(dir), Reporting.RunReport.FileName)}; next: repro report --run {dir}; repro gate --run {dir} --paper baselines/paper.json");
            return 0;
        });
        var import = new Command("import", "Import a run made by another training engine");
        import.Subcommands.Add(verl);
        return import;
    }
}
