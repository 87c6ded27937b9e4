using System.Collections.Concurrent;
using System.Diagnostics;
using Reproduction.Experiments.Pipelines;
using Reproduction.Evaluation;
using Reproduction.IO;
using Reproduction.Qwen3;
using Reproduction.Reporting;
using Reproduction.Rewards;
using Reproduction.Runtime;
using Reproduction.Sampling;
using TorchSharp;

namespace Reproduction.Experiments.Schedules;

/// <summary>
/// `repro frontier --schedules`: every schedule × seed from the seed's base on the preset's testbed, with the budget
/// of the preset's two stages (<see cref="ScheduleShape"/>), each measured at its end as <see cref="ScheduleRun"/>
/// (the base too, as a reference); then frontier.json, frontier.md and frontier.png
/// (<see cref="ScheduleFrontierReport"/>). Each job is a one-stage pipeline (<see cref="Pipeline"/>) on <see cref="PipelineEngine"/>,
/// run side by side on the workers, one torch thread each; a job's numbers depend only on its seed and schedule.
/// </summary>
public sealed class ScheduleFrontierRunner(StudyPreset preset, IReadOnlyList<Schedule> schedules, string outDir, IReadOnlyList<int> seeds, Action<string> log)
{
    public int? Parallelism { get; init; }

    /// <summary>The stage cache folder (<see cref="StageCache"/>), or null to train every schedule.</summary>
    public string? CacheDir { get; init; }

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private void Log(string message) => log($"[{_clock.Elapsed:mm\\:ss}] {message}");

    public IReadOnlyList<ScheduleRun> Run()
    {
        DryRunSpec.RefuseBaseOnDisk(preset, "frontier");
        using var owner = RunFolderLock.Acquire(outDir, "frontier");
        var metricsDir = Directory.CreateDirectory(Path.Combine(outDir, "metrics")).FullName;
        AtomicFile.WriteAllText(Path.Combine(outDir, "preset.json"), preset.ToJson());
        int jobs = seeds.Count * schedules.Count;
        int workers = Math.Max(1, Math.Min(Parallelism ?? System.Environment.ProcessorCount, jobs));
        torch.set_num_threads(workers > 1 ? 1 : Math.Max(1, System.Environment.ProcessorCount));
        var ctx = new StudyContext(preset, metricsDir, null, Log);
        var shape = ScheduleTrainer.ShapeOf(ctx);
        Log($"budget per schedule: {shape.TotalSteps} optimizer steps (S {shape.SftSteps} + R {shape.RlSteps}), {shape.Completions} sampled completions, up to {shape.Demonstrations} demonstrations; {schedules.Count} schedules × {seeds.Count} seeds on {workers} workers");
        var bases = new Qwen3ForCausalLM[seeds.Count];
        var baseRuns = new ScheduleRun[seeds.Count];
        Jobs.For(seeds.Count, workers, i =>
        {
            var clock = Stopwatch.StartNew();
            bases[i] = TaskSetup.BaseModel(preset, ctx.Encoder, ctx.Train, seeds[i], metricsDir, Log);
            baseRuns[i] = Measure(ctx, bases[i], bases[i], "base", "base", new Dictionary<string, string>(), seeds[i], clock.Elapsed.TotalSeconds, new ScheduleBudget(0, 0, 0), reference: true);
            Log($"seed {seeds[i]}: base: robust mean@1 {baseRuns[i].Robust:F3}, SFT-test CE {baseRuns[i].SftTestCe:F3}, greedy accuracy {baseRuns[i].GreedyAccuracy:P1}");
        });
        var measured = new EndMeasures(ctx, seeds, bases);
        try
        {
            var engine = new PipelineEngine(ctx, Log)
            {
                Cache = CacheDir is null ? null : new StageCache(CacheDir, Log), Parallelism = workers, ProgressLabel = "jobs", Observers = [measured],
            };
            engine.Run([.. schedules.SelectMany(schedule => seeds.Select(seed => Pipeline(schedule.Name, seed)))], seed => bases[seeds.ToList().IndexOf(seed)]);
            var all = baseRuns.Concat(schedules.SelectMany(schedule => seeds.Select(seed => measured.Runs[(schedule.Name, seed)]))).ToList();
            ScheduleFrontierReport.Write(ScheduleFrontierReport.Summarize(all), all, preset.Name, outDir);
            Log($"wrote {Path.Combine(outDir, ScheduleFrontierReport.JsonFile)}, {ScheduleFrontierReport.MarkdownFile}, {ScheduleFrontierReport.PngFile}");
            return all;
        }
        finally
        {
            foreach (var b in bases) b?.Dispose();
        }
    }

    /// <summary>One schedule on one seed: a single schedule stage from the seed's base, with the strict reward, measured only at its end.</summary>
    public static PipelineSpec Pipeline(string schedule, int seed) => new(schedule, $"schedule {schedule}", seed,
        [new ScheduleStageSpec(schedule, TrainingRewards.Strict) { MetricsFile = $"seed-{seed}-{Safe(schedule)}.jsonl" }], Measurements.None);

    /// <summary>Measures each schedule's model at its pipeline's end (<see cref="Measure"/>).</summary>
    private sealed class EndMeasures(StudyContext ctx, IReadOnlyList<int> seeds, Qwen3ForCausalLM[] bases) : IPipelineObserver
    {
        public ConcurrentDictionary<(string Schedule, int Seed), ScheduleRun> Runs { get; } = new();

        public void OnPipelineEnd(PipelineOutcome outcome, Qwen3ForCausalLM model)
        {
            var (schedule, seed, stage) = (ScheduleCatalog.Parse(outcome.Spec.Id), outcome.Spec.Seed, outcome.Stages[0]);
            var budget = new ScheduleBudget(stage.Steps, (long)stage.Value("sampled_completions"), (long)stage.Value("demonstrations"));
            var parameters = schedule.Values.ToDictionary(kv => kv.Key, kv => Schedule.Format(kv.Value));
            if (schedule.Info.HasSftTerm) parameters["sft_loss"] = SftTokenLoss.Name(schedule.SftWeight);
            var run = Measure(ctx, bases[seeds.ToList().IndexOf(seed)], model, schedule.Name, ScheduleCatalog.FamilyOf(schedule), parameters, seed, outcome.WallSeconds, budget, schedule.Reference);
            ctx.Log($"seed {seed}: {schedule.Name}: robust mean@1 {run.Robust:F3}, SFT-test CE {run.SftTestCe:F3}, greedy {run.GreedyAccuracy:P1}, KL(base‖π) {run.ForwardKl:F4}; " +
                $"{budget.OptimizerSteps} steps, {budget.SampledCompletions} completions, {budget.Demonstrations} demonstrations, {run.WallSeconds:F0} s");
            Runs[(schedule.Name, seed)] = run;
        }
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
