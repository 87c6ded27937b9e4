using System.CommandLine;
using System.Diagnostics;
using Reproduction.Experiments;
using Reproduction.Sft;
using Reproduction.Training;
using Spectre.Console;

namespace Reproduction.Cli;

/// <summary>`repro sft`: supervised fine-tuning on the CoLA task (the paper's SFT stage), with checkpoints and exact resume.</summary>
public static class SftCommand
{
    public static Command Create()
    {
        var common = new ExperimentOptions();
        var output = new Option<string>("--out") { Description = "Output folder: checkpoint-N/, metrics.jsonl, tensorboard/sft/, final/", Required = true };
        var options = new Option<string?>("--options") { Description = "SftOptions JSON (HF/TRL names); default: the preset's, else the public setup's" };
        var epochs = new Option<int?>("--epochs") { Description = "num_train_epochs" };
        var maxSteps = new Option<int?>("--max-steps") { Description = "max_steps (overrides epochs)" };
        var lr = new Option<double?>("--lr") { Description = "learning_rate" };
        var resume = new Option<string?>("--resume") { Description = "A checkpoint folder, or 'auto' for the newest complete one in --out" };
        var saveSteps = new Option<int?>("--save-steps") { Description = "save_steps: a checkpoint every N steps (0: only at the end)" };
        var skip = new Option<bool>("--skip-nonfinite") { Description = "Skip (and count) steps with a NaN/Inf loss or gradient instead of stopping" };
        var cmd = new Command("sft", "Supervised fine-tuning on CoLA-style data (completion-only loss, AdamW, cosine schedule)") { output, options, epochs, maxSteps, lr, saveSteps, resume, skip };
        common.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var clock = Stopwatch.StartNew();
            var display = ProgressDisplay.For();
            Action<string> log = display.Log;
            var (preset, train, test, encoder, model) = common.Resolve(parse, log);
            var o = parse.GetValue(options) is { } path ? SftOptions.Load(path) : preset?.Sft ?? new SftOptions();
            o = o with
            {
                Seed = parse.GetValue(common.Seed),
                NumTrainEpochs = parse.GetValue(epochs) ?? o.NumTrainEpochs,
                MaxSteps = parse.GetValue(maxSteps) ?? o.MaxSteps,
                LearningRate = parse.GetValue(lr) ?? o.LearningRate,
                SaveSteps = parse.GetValue(saveSteps) ?? o.SaveSteps,
                SkipNonFinite = parse.GetValue(skip) || o.SkipNonFinite,
                Dtype = common.DtypeName(parse) ?? o.Dtype,
            };
            o.Validated("sft options");
            var dir = parse.GetValue(output)!;
            Directory.CreateDirectory(dir);
            IO.AtomicFile.WriteAllText(Path.Combine(dir, "sft_options.json"), o.ToJson());
            AnsiConsole.WriteLine(o.ToJson());
            // The preset's SFT data (its format, labels and CE examples, as the study's SFT stage takes them), else the paper's.
            var (trainData, testData) = preset is null ? (train, test) : StudyContext.SftSplits(preset, train, test);
            Func<Reproduction.Data.ColaExample, SftExample> toSft = preset is null ? encoder.Sft : e => StudyContext.SftExampleOf(encoder, preset, e);
            var sftTrain = trainData.Select(toSft).ToList();
            var sftTest = testData.Select(toSft).ToList();
            SftTrainer? trainer = null;
            trainer = new SftTrainer(model, o, sftTrain, sftTest, encoder.PadId)
            {
                OutputDir = dir, ResumeFrom = parse.GetValue(resume), Metrics = new MetricsLog(Path.Combine(dir, "metrics.jsonl"), TensorBoardLog.InRunFolder(dir, "sft")), Warn = log,
                TokenizerFolder = parse.GetValue(common.Model),                      // its tokenizer files go into each checkpoint
                OnStep = m =>
                {
                    if (m.Step == 0) return;
                    string note = $"loss {m.Loss:F4}" + (m.EvalCe is { } ce ? $" eval CE {ce:F4}" : "");
                    TrainingProgress.Note(note);
                    display.Milestone($"SFT step {m.Step} {note}", m.Step, trainer!.TotalSteps);
                },
            };
            log($"SFT: {train.Count} examples, {trainer.TotalSteps} steps");
            var history = display.RunJob($"seed {o.Seed}", trainer.Train);
            TaskSetup.SaveModel(model, encoder, Path.Combine(dir, "final"));
            var last = history.LastOrDefault(h => h.Step > 0);
            var ceLast = history.LastOrDefault(h => h.EvalCe is not null)?.EvalCe;
            AnsiConsole.MarkupLine($"done: {history.Count(h => h.Step > 0)} steps in {clock.Elapsed.TotalSeconds:F0} s; " +
                $"last loss {last?.Loss:F4}; test CE {ceLast:F4}; {history.Where(h => h.Step > 0).Select(h => h.TokensPerSecond).DefaultIfEmpty().Average():F0} completion tokens/s; " +
                $"model: {Markup.Escape(Path.Combine(dir, "final"))}");
            return 0;
        });
        return cmd;
    }
}
