using System.Diagnostics;
using Reproduction.Evaluation;
using Reproduction.IO;
using Reproduction.Qwen3;
using Reproduction.Reporting;
using Reproduction.Rewards;
using Reproduction.Sampling;
using TorchSharp;

namespace Reproduction.Experiments.Schedules;

/// <summary>
/// `repro frontier --schedules`: every schedule × seed from the seed's base on the preset's testbed, with the budget
/// of the preset's two stages (<see cref="ScheduleShape"/>), each measured at its end as <see cref="ScheduleRun"/>
/// (the base too, as a reference); then frontier.json, frontier.md and frontier.png
/// (<see cref="ScheduleFrontierReport"/>). Jobs run side by side on the workers, one torch thread each; a job's numbers
/// depend only on its seed and schedule.
/// </summary>
public sealed class ScheduleFrontierRunner(StudyPreset preset, IReadOnlyList<Schedule> schedules, string outDir, IReadOnlyList<int> seeds, Action<string> log)
{
    public int? Parallelism { get; init; }

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private void Log(string message) => log($"[{_clock.Elapsed:mm\\:ss}] {message}");

    public IReadOnlyList<ScheduleRun> Run()
    {
        Directory.CreateDirectory(outDir);
        var metricsDir = Directory.CreateDirectory(Path.Combine(outDir, "metrics")).FullName;
        AtomicFile.WriteAllText(Path.Combine(outDir, "preset.json"), preset.ToJson());
        int jobs = seeds.Count * schedules.Count;
        int workers = Math.Max(1, Math.Min(Parallelism ?? System.Environment.ProcessorCount, jobs));
        torch.set_num_threads(workers > 1 ? 1 : Math.Max(1, System.Environment.ProcessorCount));
        var ctx = new StudyContext(preset, metricsDir, null, Log);
        var shape = ScheduleTrainer.ShapeOf(ctx);
        Log($"budget per schedule: {shape.TotalSteps} optimizer steps (S {shape.SftSteps} + R {shape.RlSteps}), {shape.Completions} sampled completions, up to {shape.Demonstrations} demonstrations; {schedules.Count} schedules × {seeds.Count} seeds on {workers} workers");
        var options = new ParallelOptions { MaxDegreeOfParallelism = workers };
        var bases = new Qwen3ForCausalLM[seeds.Count];
        var baseRuns = new ScheduleRun[seeds.Count];
        Parallel.For(0, seeds.Count, options, i =>
        {
            var clock = Stopwatch.StartNew();
            bases[i] = TaskSetup.BaseModel(preset, ctx.Encoder, ctx.Train, seeds[i], metricsDir, Log);
            baseRuns[i] = Measure(ctx, bases[i], bases[i], "base", "base", new Dictionary<string, string>(), seeds[i], clock.Elapsed.TotalSeconds, new ScheduleBudget(0, 0, 0), reference: true);
            Log($"seed {seeds[i]}: base: robust mean@1 {baseRuns[i].Robust:F3}, SFT-test CE {baseRuns[i].SftTestCe:F3}, greedy accuracy {baseRuns[i].GreedyAccuracy:P1}");
        });
        var runs = new ScheduleRun?[jobs];
        var progress = new JobProgress(jobs, "jobs");
        Parallel.For(0, jobs, options, j =>
        {
            int i = j % seeds.Count;
            // A fresh instance per job: a schedule may keep state (ReLIFT's buffer); its name parses back to it.
            var schedule = ScheduleCatalog.Parse(schedules[j / seeds.Count].Name);
            using var job = progress.Begin($"seed {seeds[i]} · {schedule.Name}");
            runs[j] = RunOne(ctx, bases[i], schedule, seeds[i], metricsDir);
            Log(progress.Finished());
        });
        var all = baseRuns.Concat(runs.Select(r => r!)).ToList();
        ScheduleFrontierReport.Write(ScheduleFrontierReport.Summarize(all), all, preset.Name, outDir);
        Log($"wrote {Path.Combine(outDir, ScheduleFrontierReport.JsonFile)}, {ScheduleFrontierReport.MarkdownFile}, {ScheduleFrontierReport.PngFile}");
        return all;
    }

    /// <summary>One schedule on one seed: a fresh copy of the base, trained, then measured.</summary>
    private ScheduleRun RunOne(StudyContext ctx, Qwen3ForCausalLM baseModel, Schedule schedule, int seed, string metricsDir)
    {
        var clock = Stopwatch.StartNew();
        var model = ModelCopy.Trainable(baseModel);
        var trainer = new ScheduleTrainer(model, schedule, ctx, new StrictColaReward(), seed)
        {
            Metrics = ctx.Metrics($"seed-{seed}-{Safe(schedule.Name)}.jsonl"),
        };
        trainer.Train();
        var budget = new ScheduleBudget(trainer.OptimizerSteps, trainer.SampledCompletions, trainer.Demonstrations);
        var parameters = schedule.Values.ToDictionary(kv => kv.Key, kv => Schedule.Format(kv.Value));
        if (schedule.Info.HasSftTerm) parameters["sft_loss"] = SftTokenLoss.Name(schedule.SftWeight);
        var run = Measure(ctx, baseModel, model, schedule.Name, ScheduleCatalog.FamilyOf(schedule), parameters, seed, clock.Elapsed.TotalSeconds, budget, schedule.Reference);
        Log($"seed {seed}: {schedule.Name}: robust mean@1 {run.Robust:F3}, SFT-test CE {run.SftTestCe:F3}, greedy {run.GreedyAccuracy:P1}, KL(base‖π) {run.ForwardKl:F4}; " +
            $"{budget.OptimizerSteps} steps, {budget.SampledCompletions} completions, {budget.Demonstrations} demonstrations, {run.WallSeconds:F0} s");
        model.Dispose();
        return run;
    }

    /// <summary>The measures of one model at the end of a run (every evaluation samples with the seed's one evaluation seed).</summary>
    private static ScheduleRun Measure(StudyContext ctx, Qwen3ForCausalLM baseModel, Qwen3ForCausalLM model, string name, string family,
        IReadOnlyDictionary<string, string> parameters, int seed, double trainSeconds, ScheduleBudget budget, bool reference)
    {
        var clock = Stopwatch.StartNew();
        model.eval();
        var eval = ctx.Preset.Eval;
        var rewards = RewardEvaluation.Evaluate(model, ctx.EvalSet, ctx.Encoder.Decode, ctx.EvalRewards,
            ctx.Sampling with { Seed = (ulong)Seeds.Derive(seed, "eval") }, eval.SamplesPerPrompt, eval.BatchSize);
        var greedyOptions = SamplingOptions.Greedy(ctx.Sampling.MaxNewTokens) with { EosTokenIds = ctx.Sampling.EosTokenIds, PadTokenId = ctx.Sampling.PadTokenId };
        var greedy = RewardEvaluation.Evaluate(model, ctx.EvalSet, ctx.Encoder.Decode, [new RobustColaReward()], greedyOptions, 1, eval.BatchSize);
        double kl = ReferenceEquals(model, baseModel) ? 0
            : ForwardKl.PerToken(baseModel, model, ctx.SftTest, ctx.Encoder.PadId, ctx.Preset.Sft.MaxLength, ctx.Preset.Sft.PerDeviceEvalBatchSize);
        return new ScheduleRun(name, family, parameters, seed, ctx.Ce(model), rewards["robust_cola"].Mean, rewards["strict_cola"].Mean,
            greedy.Completions.Average(c => c.Rewards["robust_cola"] > 0 ? 1.0 : 0.0), kl, Math.Round(trainSeconds + clock.Elapsed.TotalSeconds, 1), budget, reference);
    }

    private static string Safe(string id) => string.Concat(id.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_'));
}
