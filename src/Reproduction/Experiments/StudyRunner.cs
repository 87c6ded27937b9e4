using System.Diagnostics;
using System.Text.Json.Nodes;
using Reproduction.Data;
using Reproduction.Evaluation;
using Reproduction.Grpo;
using Reproduction.IO;
using Reproduction.Qwen3;
using Reproduction.Reporting;
using Reproduction.Rewards;
using Reproduction.Runtime;
using Reproduction.Sampling;
using Reproduction.Sft;
using Reproduction.Text;
using Reproduction.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Experiments;

/// <summary>
/// `repro study`: both of the paper's pipelines on one preset, for each seed, from the same base model.
///   SFT-then-RL (§5.1, Fig. 3a): base → SFT → GRPO (strict reward), SFT-test CE tracked through both stages.
///   RL-then-SFT (§5.2, Fig. 3b): base → GRPO until the reward plateaus (or the step cap) → SFT, mean@1 under
///   the robust and the strict reward (T 0.6, top-p 0.95) tracked through both stages.
/// Writes the run folder: report.json/md, the two figures, metrics/*.jsonl, their TensorBoard runs and the evaluation
/// curves' (tensorboard/, one run per pipeline and seed), and a model folder at every stage boundary
/// (seed-N/PIPELINE/{base,after-STAGE}).
/// </summary>
public sealed class StudyRunner(StudyPreset preset, string outDir, IReadOnlyList<int> seeds, Action<string> log)
{
    /// <summary>Track every metric in both pipelines (CE and both rewards at every evaluation point): what `repro frontier` needs.</summary>
    public bool TrackAll { get; init; }

    /// <summary>Measure the theory bridge (<see cref="TheoryBridge"/>) along both second stages and write bridge.json/md/png.</summary>
    public BridgeOptions? Bridge { get; init; }

    /// <summary>How many seeds run at once (default: one per core).</summary>
    public int? Parallelism { get; init; }

    public const string CeMetric = "sft_test_ce", RobustMetric = "mean1_robust", StrictMetric = "mean1_strict";

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private void Log(string message) => log($"[{_clock.Elapsed:mm\\:ss}] {message}");

    public RunReport Run()
    {
        Directory.CreateDirectory(outDir);
        var metricsDir = Directory.CreateDirectory(Path.Combine(outDir, "metrics")).FullName;
        AtomicFile.WriteAllText(Path.Combine(outDir, "preset.json"), preset.ToJson());
        // Seeds run side by side, one torch thread each: a tiny model keeps one core busy, and two spinning intra-op
        // threads per model on shared cores slow everything down. Each seed's numbers depend only on its seed.
        int workers = Math.Max(1, Math.Min(Parallelism ?? System.Environment.ProcessorCount, seeds.Count));
        torch.set_num_threads(workers > 1 ? 1 : Math.Max(1, System.Environment.ProcessorCount));

        var ctx = new StudyContext(preset, metricsDir, Bridge, Log);
        var grpo = preset.Grpo;
        // Bases first (one per seed, side by side), then the 2 × seeds pipelines as independent jobs on the workers.
        var bases = new SeedBase?[seeds.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = workers };
        Unwrapped(() => Parallel.For(0, seeds.Count, options, i => bases[i] = LoadBase(ctx, metricsDir, seeds[i])));
        var runsA = new PipelineA?[seeds.Count];
        var runsB = new PipelineB?[seeds.Count];
        var progress = new JobProgress(2 * seeds.Count, "pipelines");
        Unwrapped(() => Parallel.For(0, 2 * seeds.Count, options, j =>
        {
            if (j % 2 == 0) runsA[j / 2] = RunSftThenRl(ctx, grpo, bases[j / 2]!);
            else runsB[j / 2] = RunRlThenSft(ctx, grpo, bases[j / 2]!);
            Log(progress.Finished());
        }));
        var done = Enumerable.Range(0, seeds.Count).Select(i => Combine(ctx, bases[i]!, runsA[i]!, runsB[i]!)).ToList();
        int sftSteps = done[0].SftSteps, rlStepsA = done.Max(r => r.RlStepsA), rlStepsB = done.Max(r => r.RlStepsB);
        var ceA = done.SelectMany(r => r.CeA).ToList();
        var rewardB = done.SelectMany(r => r.RewardB).ToList();
        var mechanisms = new JsonArray(done.Select(r => (JsonNode)r.Mechanisms).ToArray());

        var report = new RunReport(RunReport.CurrentFormat, preset.Name, seeds, EnvironmentBlock(preset, seeds, _clock.Elapsed), preset.Decisions,
        [
            new PipelineResult(PaperClaim.SftThenRl, "SFT-then-RL", [new Stage("sft", sftSteps), new Stage("grpo", rlStepsA)], ceA),
            new PipelineResult(PaperClaim.RlThenSft, "RL-then-SFT", [new Stage("grpo", rlStepsB), new Stage("sft", sftSteps)], rewardB),
        ]) { Mechanisms = new JsonObject { ["per_seed"] = mechanisms } };
        report.Save(outDir);
        ReportMarkdown.Write(report, outDir);
        Figure3.WriteAll(report, outDir);
        Log($"wrote {Path.Combine(outDir, RunReport.FileName)}, {ReportMarkdown.FileName}, {Figure3.FileA}, {Figure3.FileB}");
        if (ctx.Bridge is not null)
        {
            BridgeReport.Write(preset.Name, seeds, ctx.BridgeRows, outDir);
            Log($"wrote {BridgeReport.JsonFile}, {BridgeReport.MarkdownFile}, {BridgeReport.PngFile}, {BridgeReport.Prop1PngFile}");
        }
        return report;
    }

    /// <summary>One seed's two pipelines: their curves, stage lengths and mechanism entry.</summary>
    private sealed record SeedResult(int SftSteps, int RlStepsA, int RlStepsB, List<Curve> CeA, List<Curve> RewardB, JsonObject Mechanisms);

    /// <summary>
    /// Runs the parallel jobs and rethrows a job's ReproException as itself (Parallel.For wraps it in an AggregateException,
    /// which the CLI would not recognise as an error of the run: it must end with its one-line message and exit code 2).
    /// </summary>
    private static void Unwrapped(Action jobs)
    {
        try { jobs(); }
        catch (AggregateException e) when (e.Flatten().InnerExceptions.FirstOrDefault(x => x is ReproException) is { } inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
        }
    }

    /// <summary>A seed's base: in memory, or (<see cref="DryRunSpec.BaseOnDisk"/>) only in its saved folder, <see cref="Folder"/>.</summary>
    private sealed record SeedBase(int Seed, string Dir, Qwen3ForCausalLM? Model, LabelBelief Belief, Diagnosis Diagnosis, ulong DiagnosisSeed)
    {
        public string Folder => Path.Combine(Dir, "base");
    }

    /// <summary>A pipeline's own trainable copy of the seed's base: copied in memory, or loaded from the saved base folder.</summary>
    private Qwen3ForCausalLM StartFrom(SeedBase b) => b.Model is { } model
        ? ModelCopy.Trainable(model)
        : Qwen3ForCausalLM.FromPretrained(b.Folder, TaskSetup.Dtype(preset), cuda_is_available() ? CUDA : CPU);

    /// <summary>Saves a pipeline's checkpoint and checks the memory bound (a dry run's).</summary>
    private static void Checkpoint(StudyContext ctx, Qwen3ForCausalLM model, string folder, string what)
    {
        TaskSetup.SaveModel(model, ctx.Encoder, folder);
        ctx.CheckMemory($"saving {what}");
    }

    private static Diagnosis Diagnose(StudyContext ctx, Qwen3ForCausalLM model, ulong seed, string what)
    {
        var d = Diagnosis.Of(model, ctx, seed);
        ctx.CheckMemory($"diagnosing {what}");
        return d;
    }

    private sealed record PipelineA(int SftSteps, int RlSteps, List<Curve> Curves, Diagnosis AfterSft, Diagnosis AfterGrpo);

    private sealed record PipelineB(int RlSteps, List<Curve> Curves, Diagnosis AfterGrpo, Diagnosis AfterSft);

    /// <summary>The seed's base (shipped, or pre-trained here), saved to the run folder and diagnosed.</summary>
    private SeedBase LoadBase(StudyContext ctx, string metricsDir, int seed)
    {
        var seedDir = Path.Combine(outDir, $"seed-{seed}");
        var baseModel = TaskSetup.BaseModel(preset, ctx.Encoder, ctx.Train, seed, metricsDir, Log);
        ctx.CheckMemory($"making the base of seed {seed}");
        Checkpoint(ctx, baseModel, Path.Combine(seedDir, "base"), $"the base of seed {seed}");
        ulong diagnosisSeed = (ulong)Seeds.Derive(seed, "diagnosis");
        var belief = LabelProbe.Belief(baseModel, ctx.Encoder, ctx.EvalExamples, LabelProbe.Format.Rl, (preset.Base ?? new BaseSpec()).Thoughts[0]);
        var dBase = Diagnose(ctx, baseModel, diagnosisSeed, $"the base of seed {seed}");
        Log($"seed {seed}: base greedy accuracy {dBase.GreedyAccuracy:P1}, sampled {dBase.SampledAccuracy:P1} (robust mean@1 {dBase.RobustRl:F3}), label AUC {belief.Auc:F3}");
        if (preset.DryRun?.BaseOnDisk == true)
        {
            baseModel.Dispose();                                                    // each pipeline loads seed-N/base
            GC.Collect();
            GC.WaitForPendingFinalizers();
            NativeAllocator.Trim();                                                 // the freed pages go back before the pipelines allocate
            return new SeedBase(seed, seedDir, null, belief, dBase, diagnosisSeed);
        }
        return new SeedBase(seed, seedDir, baseModel, belief, dBase, diagnosisSeed);
    }

    /// <summary>SFT-then-RL (§5.1, Fig. 3a) from the seed's base.</summary>
    private PipelineA RunSftThenRl(StudyContext ctx, GrpoOptions grpo, SeedBase b)
    {
        int seed = b.Seed;
        Log($"seed {seed}: SFT-then-RL");
        using var a = StartFrom(b);
        var ta = new StudyContext.Tracker(ctx, a, Seeds.Derive(seed, "eval"), TrackAll) { Board = ctx.EvalBoard($"seed-{seed}-sft-then-rl") };
        int sftSteps = ctx.SftStage(ta, seed, $"seed-{seed}-sft-then-rl-sft.jsonl");
        Log($"seed {seed}: SFT done ({sftSteps} steps), test CE {ta.Ce[^1].Value:F3} (base {ta.Ce[0].Value:F3})");
        Checkpoint(ctx, a, Path.Combine(b.Dir, "sft-then-rl", "after-sft"), $"seed {seed} SFT-then-RL after SFT");
        var afterSft = Diagnose(ctx, a, b.DiagnosisSeed, $"seed {seed} SFT-then-RL after SFT");
        var hist = ctx.GrpoStage(ta, seed, new StrictColaReward(), grpo with { MaxSteps = preset.RlStage.MaxSteps }, sftSteps,
            PaperClaim.SftThenRl, $"seed-{seed}-sft-then-rl-grpo.jsonl");
        Log($"seed {seed}: GRPO done ({hist.Count} steps, train reward {hist.TakeLast(5).Average(m => m["reward"]):F3}), test CE {ta.Ce[^1].Value:F3}");
        Checkpoint(ctx, a, Path.Combine(b.Dir, "sft-then-rl", "after-grpo"), $"seed {seed} SFT-then-RL after GRPO");
        return new PipelineA(sftSteps, hist.Count, ta.Curves(seed).ToList(), afterSft, Diagnose(ctx, a, b.DiagnosisSeed, $"seed {seed} SFT-then-RL after GRPO"));
    }

    /// <summary>RL-then-SFT (§5.2, Fig. 3b) from the seed's base: GRPO until its reward plateaus, then as many SFT steps as SFT-then-RL's.</summary>
    private PipelineB RunRlThenSft(StudyContext ctx, GrpoOptions grpo, SeedBase sb)
    {
        int seed = sb.Seed;
        Log($"seed {seed}: RL-then-SFT");
        using var b = StartFrom(sb);
        var tb = new StudyContext.Tracker(ctx, b, Seeds.Derive(seed, "eval"), rewards: true) { Board = ctx.EvalBoard($"seed-{seed}-rl-then-sft") };
        var rl = preset.RlStage;
        Diagnosis? afterRl = null;
        int sftSteps = SftTrainer.StepsFor(preset.Sft, ctx.SftTrain.Count);
        int rlSteps = ctx.RlThenSft(tb, seed, new StrictColaReward(), grpo with { MaxSteps = rl.MaxSteps }, h => Plateaued(h, rl), TrackAll,
            PaperClaim.RlThenSft, $"seed-{seed}-rl-then-sft", sftSteps, () =>
            {
                Checkpoint(ctx, b, Path.Combine(sb.Dir, "rl-then-sft", "after-grpo"), $"seed {seed} RL-then-SFT after GRPO");
                afterRl = Diagnose(ctx, b, sb.DiagnosisSeed, $"seed {seed} RL-then-SFT after GRPO");
            });
        Log($"seed {seed}: SFT done, mean@1 robust {tb.Robust[^1].Value:F3}, strict {tb.Strict[^1].Value:F3}");
        Checkpoint(ctx, b, Path.Combine(sb.Dir, "rl-then-sft", "after-sft"), $"seed {seed} RL-then-SFT after SFT");
        var curves = new List<Curve> { new(RobustMetric, seed, tb.Robust, rlSteps), new(StrictMetric, seed, tb.Strict, rlSteps) };
        if (TrackAll) curves.Add(new Curve(CeMetric, seed, tb.Ce, rlSteps));
        return new PipelineB(rlSteps, curves, afterRl!, Diagnose(ctx, b, sb.DiagnosisSeed, $"seed {seed} RL-then-SFT after SFT"));
    }

    /// <summary>A seed's testbed checks and mechanism tables from its base and both pipelines.</summary>
    private static SeedResult Combine(StudyContext ctx, SeedBase sb, PipelineA a, PipelineB b)
    {
        var mechanisms = new JsonObject
        {
            ["seed"] = sb.Seed,
            ["testbed"] = new JsonObject
            {
                ["base_greedy_accuracy"] = sb.Diagnosis.GreedyAccuracy, ["base_sampled_accuracy"] = sb.Diagnosis.SampledAccuracy, ["base_label_auc"] = sb.Belief.Auc,
                ["base_mean_p_true"] = sb.Belief.MeanPTrue, ["base_mean1_robust"] = sb.Diagnosis.RobustRl, ["base_greedy_mean1_robust"] = 2 * sb.Diagnosis.GreedyAccuracy - 1,
                ["rl_gain_mean1_robust"] = b.AfterGrpo.RobustRl - sb.Diagnosis.RobustRl, ["sft_drop_mean1_robust"] = b.AfterSft.RobustRl - b.AfterGrpo.RobustRl,
                ["sft_label_ce"] = a.AfterSft.Ce.Label * LabelTokensPerExample(ctx),
                ["base_greedy_accuracy_sft_prompt"] = sb.Diagnosis.GreedyAccuracySftPrompt, ["sft_greedy_accuracy_sft_prompt"] = a.AfterSft.GreedyAccuracySftPrompt,
                ["grpo_ce_rise"] = a.AfterGrpo.Ce.Total - a.AfterSft.Ce.Total,
            },
            ["checkpoints"] = new JsonObject
            {
                ["base"] = sb.Diagnosis.ToJson(), ["sft_then_rl/after_sft"] = a.AfterSft.ToJson(), ["sft_then_rl/after_grpo"] = a.AfterGrpo.ToJson(),
                ["rl_then_sft/after_grpo"] = b.AfterGrpo.ToJson(), ["rl_then_sft/after_sft"] = b.AfterSft.ToJson(),
            },
            [Mechanisms.RlThenSft] = Mechanisms.ToJson(Mechanisms.Drop(b.AfterGrpo, b.AfterSft)),
            [Mechanisms.SftThenRl] = Mechanisms.ToJson(Mechanisms.Rise(a.AfterSft, a.AfterGrpo)),
        };
        return new SeedResult(a.SftSteps, a.RlSteps, b.RlSteps, a.Curves, b.Curves, mechanisms);
    }

    /// <summary>Completion tokens per SFT-test example (the CE by role is per token; the label CE is per example).</summary>
    private static double LabelTokensPerExample(StudyContext ctx) => ctx.EvalExamples.Select(ctx.SftExampleOf).Average(x => (double)x.CompletionIds.Count);

    /// <summary>Converged: after min_steps, the last window's mean training reward is not above the previous window's + tolerance.</summary>
    public static bool Plateaued(IReadOnlyList<GrpoStepMetrics> h, RlStageSpec rl)
    {
        int w = rl.PlateauWindow;
        if (h.Count < Math.Max(rl.MinSteps, 2 * w)) return false;
        double last = h.Skip(h.Count - w).Average(m => m["reward"]);
        double before = h.Skip(h.Count - 2 * w).Take(w).Average(m => m["reward"]);
        return last <= before + rl.PlateauTolerance;
    }

    internal static JsonObject EnvironmentBlock(StudyPreset preset, IReadOnlyList<int> seeds, TimeSpan wall)
    {
        var env = TorchEnvironment.Capture();
        var block = new JsonObject
        {
            ["preset"] = preset.Name, ["seeds"] = new JsonArray(seeds.Select(s => (JsonNode)s).ToArray()),
            ["dtype"] = preset.Model.Dtype, ["device"] = env.CudaAvailable ? "cuda" : "cpu", ["threads"] = env.Threads,
            ["processors"] = env.ProcessorCount, ["dotnet"] = env.DotnetVersion, ["os"] = env.Os,
            ["torchsharp"] = env.TorchSharpVersion, ["libtorch"] = env.LibTorchVersion, ["git_commit"] = GitCommit(),
            ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"), ["wall_seconds"] = Math.Round(wall.TotalSeconds, 1),
            ["peak_rss_gib"] = ProcessMemory.PeakResidentBytes() is { } peak ? Math.Round(peak / (double)(1L << 30), 2) : null,
        };
        if (preset.DryRun is { } dry)
            block["dry_run"] = $"random weights at the model's exact shape: a check that every stage runs (peak RSS bound {dry.MaxRssGib} GiB), not a result";
        return block;
    }

    private static string GitCommit()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory });
            var s = p!.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(5000);
            return p.ExitCode == 0 && s.Length > 0 ? s : "unknown";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException) { return "unknown"; }
    }
}
