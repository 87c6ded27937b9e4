using System.Diagnostics;
using System.Text.Json.Nodes;
using Reproduction.Data;
using Reproduction.Evaluation;
using Reproduction.Experiments.Pipelines;
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
///   RL-then-SFT (§5.2, Fig. 3b): base → GRPO (rl_stage: its step cap, or a reward plateau) → SFT, mean@1 under
///   the robust and the strict reward (T 0.6, top-p 0.95) tracked through both stages.
/// The 2 × seeds pipelines are specs (<see cref="SftThenRl"/>, <see cref="RlThenSft"/>) run by <see cref="PipelineEngine"/>,
/// with the bridge, a checkpoint folder and a diagnosis at every stage end as observers. Writes the run folder:
/// report.json/md, the two figures, metrics/*.jsonl, their TensorBoard runs and the evaluation curves' (tensorboard/,
/// one run per pipeline and seed), and a model folder at every stage boundary (seed-N/PIPELINE/{base,after-STAGE}).
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

    /// <summary>The stage cache folder (<see cref="StageCache"/>), or null to train every stage.</summary>
    public string? CacheDir { get; init; }

    public RunReport Run()
    {
        using var owner = RunFolderLock.Acquire(outDir, "study");
        var metricsDir = Directory.CreateDirectory(Path.Combine(outDir, "metrics")).FullName;
        AtomicFile.WriteAllText(Path.Combine(outDir, "preset.json"), preset.ToJson());
        // Seeds run side by side, one torch thread each: a tiny model keeps one core busy, and two spinning intra-op
        // threads per model on shared cores slow everything down. Each seed's numbers depend only on its seed.
        int workers = Math.Max(1, Math.Min(Parallelism ?? System.Environment.ProcessorCount, seeds.Count));
        torch.set_num_threads(workers > 1 ? 1 : Math.Max(1, System.Environment.ProcessorCount));

        var ctx = new StudyContext(preset, metricsDir, Bridge, Log);
        ctx.CheckMemory("loading the data");
        // Bases first (one per seed, side by side), then the 2 × seeds pipelines as independent jobs on the workers.
        var bases = new SeedBase?[seeds.Count];
        try
        {
            Jobs.For(seeds.Count, workers, i => bases[i] = LoadBase(ctx, metricsDir, seeds[i]));
            var diagnosis = new DiagnosisObserver(ctx);
            var engine = new PipelineEngine(ctx, Log)
            {
                Cache = CacheDir is null ? null : new StageCache(CacheDir, Log), Parallelism = workers, ProgressLabel = "pipelines",
                Observers = [new BridgeObserver(ctx), new CheckpointObserver(ctx, p => Path.Combine(outDir, $"seed-{p.Seed}", p.Id)), diagnosis],
            };
            var outcomes = engine.Run([.. seeds.SelectMany(s => new[] { SftThenRl(preset, s, TrackAll), RlThenSft(preset, s, TrackAll) })],
                seed => bases.First(b => b!.Seed == seed)!.Start);
            var done = bases.Select((b, i) => Combine(ctx, b!, outcomes[2 * i], outcomes[2 * i + 1], diagnosis, TrackAll)).ToList();
            int sftSteps = done[0].SftSteps, rlStepsA = done.Max(r => r.RlStepsA), rlStepsB = done.Max(r => r.RlStepsB);
            var ceA = done.SelectMany(r => r.CeA).ToList();
            var rewardB = done.SelectMany(r => r.RewardB).ToList();
            var mechanisms = RunReport.NullNonFinite(new JsonArray(done.Select(r => (JsonNode)r.Mechanisms).ToArray()));

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
        finally
        {
            foreach (var b in bases) b?.Model?.Dispose();
        }
    }

    /// <summary>SFT-then-RL (§5.1, Fig. 3a) from the seed's base: SFT, then GRPO (strict reward) for rl_stage.max_steps; the SFT-test CE tracked throughout (and both rewards with <paramref name="trackAll"/>).</summary>
    public static PipelineSpec SftThenRl(StudyPreset preset, int seed, bool trackAll)
    {
        string name = $"seed-{seed}-{PaperClaim.SftThenRl}";
        return new PipelineSpec(PaperClaim.SftThenRl, "SFT-then-RL", seed,
        [
            new SftStageSpec(preset.Sft with { Seed = seed }) { MetricsFile = $"{name}-sft.jsonl", Board = name },
            new GrpoStageSpec(preset.Grpo with { MaxSteps = preset.RlStage.MaxSteps, Seed = seed }, TrainingRewards.Strict) { MetricsFile = $"{name}-grpo.jsonl", Board = name },
        ], new Measurements(Ce: true, Rewards: trackAll));
    }

    /// <summary>RL-then-SFT (§5.2, Fig. 3b) from the seed's base: GRPO for the RL stage's steps (or until its reward plateaus, where the preset sets a plateau window), then SFT; both rewards tracked throughout (and the CE with <paramref name="trackAll"/>).</summary>
    public static PipelineSpec RlThenSft(StudyPreset preset, int seed, bool trackAll)
    {
        string name = $"seed-{seed}-{PaperClaim.RlThenSft}";
        return new PipelineSpec(PaperClaim.RlThenSft, "RL-then-SFT", seed,
        [
            new GrpoStageSpec(preset.Grpo with { MaxSteps = preset.RlStage.MaxSteps, Seed = seed }, TrainingRewards.Strict, preset.RlStage.StopsAtPlateau ? preset.RlStage : null) { MetricsFile = $"{name}-grpo.jsonl", Board = name },
            new SftStageSpec(preset.Sft with { Seed = seed }) { MetricsFile = $"{name}-sft.jsonl", Board = name },
        ], new Measurements(Ce: trackAll, Rewards: true));
    }

    /// <summary>One seed's two pipelines: their curves, stage lengths and mechanism entry.</summary>
    private sealed record SeedResult(int SftSteps, int RlStepsA, int RlStepsB, List<Curve> CeA, List<Curve> RewardB, JsonObject Mechanisms);

    /// <summary>A seed's base: kept in memory (<see cref="Model"/>), or (<see cref="DryRunSpec.BaseOnDisk"/>) only in its saved folder; <see cref="Start"/> is how the engine starts its pipelines.</summary>
    private sealed record SeedBase(int Seed, Qwen3ForCausalLM? Model, BaseStart Start, LabelBelief Belief, Diagnosis Diagnosis);

    /// <summary>The seed's base (shipped, or pre-trained here), saved to the run folder and diagnosed.</summary>
    private SeedBase LoadBase(StudyContext ctx, string metricsDir, int seed)
    {
        var folder = Path.Combine(outDir, $"seed-{seed}", "base");
        var baseModel = TaskSetup.BaseModel(preset, ctx.Encoder, ctx.Train, seed, metricsDir, Log);
        ctx.CheckMemory($"making the base of seed {seed}");
        TaskSetup.SaveModel(baseModel, ctx.Encoder, folder);
        ctx.CheckMemory($"saving the base of seed {seed}");
        var belief = LabelProbe.Belief(baseModel, ctx.Encoder, ctx.EvalExamples, LabelProbe.Format.Rl, (preset.Base ?? new BaseSpec()).Thoughts[0]);
        var dBase = Diagnosis.Of(baseModel, ctx, DiagnosisObserver.SeedOf(seed));
        ctx.CheckMemory($"diagnosing the base of seed {seed}");
        Log($"seed {seed}: base greedy accuracy {dBase.GreedyAccuracy:P1}, sampled {dBase.SampledAccuracy:P1} (robust mean@1 {dBase.RobustRl:F3}), label AUC {belief.Auc:F3}");
        if (preset.DryRun?.BaseOnDisk != true) return new SeedBase(seed, baseModel, BaseStart.InMemory(ctx, baseModel), belief, dBase);
        var start = BaseStart.OnDisk(ctx, baseModel, folder);
        baseModel.Dispose();                                                        // each pipeline loads seed-N/base
        NativeAllocator.Release();                                                  // its memory goes back before the pipelines allocate
        return new SeedBase(seed, null, start, belief, dBase);
    }

    /// <summary>A seed's curves, testbed checks and mechanism tables from its base and both pipelines (A: SFT-then-RL, B: RL-then-SFT).</summary>
    private static SeedResult Combine(StudyContext ctx, SeedBase sb, PipelineOutcome a, PipelineOutcome b, DiagnosisObserver diagnosis, bool trackAll)
    {
        var (aSft, aGrpo) = (diagnosis.At(a.Spec.Id, sb.Seed, 0), diagnosis.At(a.Spec.Id, sb.Seed, 1));
        var (bGrpo, bSft) = (diagnosis.At(b.Spec.Id, sb.Seed, 0), diagnosis.At(b.Spec.Id, sb.Seed, 1));
        int rlStepsB = b.Stages[0].Steps;
        var curvesB = new List<Curve> { new(RobustMetric, sb.Seed, b.Tracker.Robust, rlStepsB), new(StrictMetric, sb.Seed, b.Tracker.Strict, rlStepsB) };
        if (trackAll) curvesB.Add(new Curve(CeMetric, sb.Seed, b.Tracker.Ce, rlStepsB));
        var drop = PairedChange.Of(bGrpo.RobustRlPerPrompt, bSft.RobustRlPerPrompt);
        var rise = PairedChange.Of(aSft.Ce.PerExample, aGrpo.Ce.PerExample);
        var keeps = PairedChange.Of(sb.Diagnosis.GreedyRightSftPrompt, aSft.GreedyRightSftPrompt);
        var mechanisms = new JsonObject
        {
            ["seed"] = sb.Seed,
            ["testbed"] = new JsonObject
            {
                ["base_greedy_accuracy"] = sb.Diagnosis.GreedyAccuracy, ["base_sampled_accuracy"] = sb.Diagnosis.SampledAccuracy, ["base_label_auc"] = sb.Belief.Auc,
                ["base_mean_p_true"] = sb.Belief.MeanPTrue, ["base_mean1_robust"] = sb.Diagnosis.RobustRl, ["base_greedy_mean1_robust"] = 2 * sb.Diagnosis.GreedyAccuracy - 1,
                ["rl_gain_mean1_robust"] = bGrpo.RobustRl - sb.Diagnosis.RobustRl, ["sft_drop_mean1_robust"] = drop.Change,
                ["sft_drop_mean1_robust_ci95"] = drop.IntervalJson(),
                ["sft_label_ce"] = aSft.Ce.Label * LabelTokensPerExample(ctx), ["sft_label_prior_entropy"] = LabelPriorEntropy(ctx.SftTestExamples),
                ["base_greedy_accuracy_sft_prompt"] = sb.Diagnosis.GreedyAccuracySftPrompt, ["sft_greedy_accuracy_sft_prompt"] = aSft.GreedyAccuracySftPrompt,
                ["sft_greedy_accuracy_sft_prompt_change_ci95"] = keeps.IntervalJson(),
                ["grpo_ce_rise"] = rise.Change, ["grpo_ce_rise_ci95"] = rise.IntervalJson(),
            },
            ["checkpoints"] = new JsonObject
            {
                ["base"] = sb.Diagnosis.ToJson(), ["sft_then_rl/after_sft"] = aSft.ToJson(), ["sft_then_rl/after_grpo"] = aGrpo.ToJson(),
                ["rl_then_sft/after_grpo"] = bGrpo.ToJson(), ["rl_then_sft/after_sft"] = bSft.ToJson(),
            },
            [Mechanisms.RlThenSft] = Mechanisms.ToJson(Mechanisms.Drop(bGrpo, bSft)),
            [Mechanisms.SftThenRl] = Mechanisms.ToJson(Mechanisms.Rise(aSft, aGrpo)),
        };
        return new SeedResult(a.Stages[0].Steps, a.Stages[1].Steps, rlStepsB, a.Tracker.Curves(sb.Seed).ToList(), curvesB, mechanisms);
    }

    /// <summary>Completion tokens per SFT-test example (the CE by role is per token; the label CE is per example).</summary>
    private static double LabelTokensPerExample(StudyContext ctx) => ctx.SftTest.Average(x => (double)x.CompletionIds.Count);

    /// <summary>The entropy (nats) of the SFT test labels' prior: the label CE of a model that knows only the label frequencies.</summary>
    public static double LabelPriorEntropy(IReadOnlyList<Data.ColaExample> examples)
    {
        double p = examples.Count == 0 ? 0 : examples.Average(e => e.Label == Data.ColaExample.Acceptable ? 1.0 : 0.0);
        return p is <= 0 or >= 1 ? 0 : -(p * Math.Log(p) + (1 - p) * Math.Log(1 - p));
    }

    internal static JsonObject EnvironmentBlock(StudyPreset preset, IReadOnlyList<int> seeds, TimeSpan wall)
    {
        var env = TorchEnvironment.Capture();
        var block = new JsonObject
        {
            ["preset"] = preset.Name, ["seeds"] = new JsonArray(seeds.Select(s => (JsonNode)s).ToArray()),
            ["dtype"] = preset.Model.Dtype, ["device"] = env.CudaAvailable ? "cuda" : "cpu", ["threads"] = env.Threads,
            ["processors"] = env.ProcessorCount, ["cpu"] = env.Cpu, ["kernel_isa"] = env.KernelIsa, ["dotnet"] = env.DotnetVersion, ["os"] = env.Os,
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
