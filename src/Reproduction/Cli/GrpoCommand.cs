using System.CommandLine;
using System.Diagnostics;
using Reproduction.Experiments;
using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Rewards;
using Reproduction.Training;
using Spectre.Console;

namespace Reproduction.Cli;

/// <summary>`repro grpo`: GRPO on the CoLA task with the paper's rewards (the RL stage), with checkpoints and exact resume.</summary>
public static class GrpoCommand
{
    public static Command Create()
    {
        var common = new ExperimentOptions();
        var output = new Option<string>("--out") { Description = "Output folder: checkpoint-N/, metrics.jsonl, tensorboard/grpo/, final/", Required = true };
        var options = new Option<string?>("--options") { Description = "GrpoOptions JSON (TRL/verl names); default: the preset's, else TRL's defaults" };
        var maxSteps = new Option<int?>("--max-steps") { Description = "max_steps" };
        var lr = new Option<double?>("--lr") { Description = "learning_rate" };
        var reward = new Option<string>("--reward") { Description = "strict (the paper's, faithful), strict-fixed, or label-only", DefaultValueFactory = _ => "strict" };
        var saveSteps = new Option<int?>("--save-steps") { Description = "save_steps: a checkpoint every N steps (and at the end)" };
        var resume = new Option<string?>("--resume") { Description = "A checkpoint folder, or 'auto' for the newest complete one in --out" };
        var skip = new Option<bool>("--skip-nonfinite") { Description = "Skip (and count) steps with a NaN/Inf loss or gradient instead of stopping" };
        var cmd = new Command("grpo", "GRPO on CoLA-style prompts with the strict / label-only reward (batched KV-cache rollouts)") { output, options, maxSteps, lr, saveSteps, reward, resume, skip };
        common.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var clock = Stopwatch.StartNew();
            var display = ProgressDisplay.For();
            Action<string> log = display.Log;
            var (preset, train, _, encoder, model) = common.Resolve(parse, log);
            var o = parse.GetValue(options) is { } path ? GrpoOptions.Load(path) : preset?.Grpo ?? new GrpoOptions();
            o = o with { Seed = parse.GetValue(common.Seed), MaxSteps = parse.GetValue(maxSteps) ?? o.MaxSteps, LearningRate = parse.GetValue(lr) ?? o.LearningRate,
                SaveSteps = parse.GetValue(saveSteps) is { } n ? n : o.SaveSteps };
            IReward r = parse.GetValue(reward) switch
            {
                "strict" => new StrictColaReward(),
                "strict-fixed" => new StrictColaRewardFixed(),
                "label-only" => new LabelOnlyReward(),
                var other => throw new ReproException($"--reward: '{other}' (strict, strict-fixed or label-only)"),
            };
            var dir = parse.GetValue(output)!;
            Directory.CreateDirectory(dir);
            IO.AtomicFile.WriteAllText(Path.Combine(dir, "grpo_options.json"), o.ToJson());
            AnsiConsole.WriteLine(o.ToJson());
            GrpoTrainer? trainer = null;
            trainer = new GrpoTrainer(model, o.Beta != 0 ? ModelCopy.Frozen(model) : null, o, train.Select(encoder.Rl).ToList(), new WeightedReward([r]), encoder.Decode)
            {
                OutputDir = dir, ResumeFrom = parse.GetValue(resume), SkipNonFinite = parse.GetValue(skip), Metrics = new MetricsLog(Path.Combine(dir, "metrics.jsonl"), TensorBoardLog.InRunFolder(dir, "grpo")), Warn = log,
                TokenizerFolder = parse.GetValue(common.Model),                      // its tokenizer files go into each checkpoint
                OnStep = m =>
                {
                    string note = $"reward {m["reward"]:F3} len {m["completions/mean_length"]:F1}";
                    TrainingProgress.Note(note);
                    display.Milestone($"GRPO step {m.Step} {note}", m.Step, trainer!.TotalSteps);
                },
            };
            log($"GRPO: {o.PromptsPerStep} prompts x {o.NumGenerations} samples, {trainer.TotalSteps} steps");
            var history = display.RunJob($"seed {o.Seed}", trainer.Train);
            TaskSetup.SaveModel(model, encoder, Path.Combine(dir, "final"));
            if (history.Count > 0)
            {
                int k = Math.Min(5, history.Count);
                AnsiConsole.MarkupLine($"done: {history.Count} steps in {clock.Elapsed.TotalSeconds:F0} s; reward first {k}: {history.Take(k).Average(m => m["reward"]):F3}, last {k}: {history.TakeLast(k).Average(m => m["reward"]):F3}; " +
                    $"rollout {history.Average(m => m["tokens_per_s/rollout"]):F0} tok/s, training {history.Average(m => m["tokens_per_s/train"]):F0} tok/s; model: {Markup.Escape(Path.Combine(dir, "final"))}");
                var steps = history.Select(m => ((int)m.Step, m.Values)).ToList();
                Reporting.GrpoStability.Plot(steps, $"GRPO from {parse.GetValue(common.Model) ?? preset?.Name}", Path.Combine(dir, Reporting.GrpoStability.Figure));
                if (steps.Count >= Reporting.GrpoStability.Window)
                    AnsiConsole.MarkupLine(Markup.Escape($"stability: {Reporting.GrpoStability.Of(steps)}; figure: {Path.Combine(dir, Reporting.GrpoStability.Figure)}"));
            }
            return 0;
        });
        return cmd;
    }
}
