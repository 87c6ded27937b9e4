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
/// Writes the run folder: report.json/md, the two figures, metrics/*.jsonl, and a model folder at every stage
/// boundary (seed-N/PIPELINE/{base,after-STAGE}).
/// </summary>
public sealed class StudyRunner(StudyPreset preset, string outDir, IReadOnlyList<int> seeds, Action<string> log)
{
    /// <summary>Track every metric in both pipelines (CE and both rewards at every evaluation point): what `repro frontier` needs.</summary>
    public bool TrackAll { get; init; }

    /// <summary>Measure the theory bridge (<see cref="TheoryBridge"/>) along both second stages and write bridge.json/md/png.</summary>
    public BridgeOptions? Bridge { get; init; }

    public const string CeMetric = "sft_test_ce", RobustMetric = "mean1_robust", StrictMetric = "mean1_strict";

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private void Log(string message) => log($"[{_clock.Elapsed:mm\\:ss}] {message}");

    public RunReport Run()
    {
        Directory.CreateDirectory(outDir);
        var metricsDir = Directory.CreateDirectory(Path.Combine(outDir, "metrics")).FullName;
        AtomicFile.WriteAllText(Path.Combine(outDir, "preset.json"), preset.ToJson());
        torch.set_num_threads(Math.Max(1, System.Environment.ProcessorCount));

        var ctx = new StudyContext(preset, metricsDir, Bridge, Log);
        var grpo = preset.Grpo;
        var ceA = new List<Curve>();
        var rewardB = new List<Curve>();
        int sftSteps = 0, rlStepsA = 0, rlStepsB = 0;

        foreach (var seed in seeds)
        {
            var seedDir = Path.Combine(outDir, $"seed-{seed}");
            var baseModel = TaskSetup.BaseModel(preset, ctx.Encoder, ctx.Train, seed, metricsDir, Log);
            TaskSetup.SaveModel(baseModel, ctx.Encoder, Path.Combine(seedDir, "base"));

            // ---- SFT-then-RL ----
            Log($"seed {seed}: SFT-then-RL");
            var a = ModelCopy.Trainable(baseModel);
            var ta = new StudyContext.Tracker(ctx, a, seed * 100_000 + 50_000, TrackAll);
            sftSteps = ctx.SftStage(ta, seed, $"seed-{seed}-sft-then-rl-sft.jsonl");
            Log($"seed {seed}: SFT done ({sftSteps} steps), test CE {ta.Ce[^1].Value:F3} (base {ta.Ce[0].Value:F3})");
            TaskSetup.SaveModel(a, ctx.Encoder, Path.Combine(seedDir, "sft-then-rl", "after-sft"));
            var histA = ctx.GrpoStage(ta, seed, new StrictColaReward(), grpo with { MaxSteps = preset.RlStage.MaxSteps }, sftSteps,
                PaperClaim.SftThenRl, $"seed-{seed}-sft-then-rl-grpo.jsonl");
            rlStepsA = histA.Count;
            Log($"seed {seed}: GRPO done ({rlStepsA} steps, train reward {histA.TakeLast(5).Average(m => m["reward"]):F3}), test CE {ta.Ce[^1].Value:F3}");
            TaskSetup.SaveModel(a, ctx.Encoder, Path.Combine(seedDir, "sft-then-rl", "after-grpo"));
            ceA.AddRange(ta.Curves(seed));

            // ---- RL-then-SFT ----
            Log($"seed {seed}: RL-then-SFT");
            var b = ModelCopy.Trainable(baseModel);
            var tb = new StudyContext.Tracker(ctx, b, seed * 100_000, rewards: true);
            var rl = preset.RlStage;
            int seedRlSteps = ctx.RlThenSft(tb, seed, new StrictColaReward(), grpo with { MaxSteps = rl.MaxSteps }, h => Plateaued(h, rl), TrackAll,
                PaperClaim.RlThenSft, $"seed-{seed}-rl-then-sft", sftSteps, () => TaskSetup.SaveModel(b, ctx.Encoder, Path.Combine(seedDir, "rl-then-sft", "after-grpo")));
            rlStepsB = Math.Max(rlStepsB, seedRlSteps);
            Log($"seed {seed}: SFT done, mean@1 robust {tb.Robust[^1].Value:F3}, strict {tb.Strict[^1].Value:F3}");
            TaskSetup.SaveModel(b, ctx.Encoder, Path.Combine(seedDir, "rl-then-sft", "after-sft"));
            rewardB.Add(new Curve(RobustMetric, seed, tb.Robust, seedRlSteps));
            rewardB.Add(new Curve(StrictMetric, seed, tb.Strict, seedRlSteps));
            if (TrackAll) rewardB.Add(new Curve(CeMetric, seed, tb.Ce, seedRlSteps));
        }

        var report = new RunReport(RunReport.CurrentFormat, preset.Name, seeds, EnvironmentBlock(preset, seeds, _clock.Elapsed), preset.Decisions,
        [
            new PipelineResult(PaperClaim.SftThenRl, "SFT-then-RL", [new Stage("sft", sftSteps), new Stage("grpo", rlStepsA)], ceA),
            new PipelineResult(PaperClaim.RlThenSft, "RL-then-SFT", [new Stage("grpo", rlStepsB), new Stage("sft", sftSteps)], rewardB),
        ]);
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
        return new JsonObject
        {
            ["preset"] = preset.Name, ["seeds"] = new JsonArray(seeds.Select(s => (JsonNode)s).ToArray()),
            ["dtype"] = preset.Model.Dtype, ["device"] = env.CudaAvailable ? "cuda" : "cpu", ["threads"] = env.Threads,
            ["processors"] = env.ProcessorCount, ["dotnet"] = env.DotnetVersion, ["os"] = env.Os,
            ["torchsharp"] = env.TorchSharpVersion, ["libtorch"] = env.LibTorchVersion, ["git_commit"] = GitCommit(),
            ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"), ["wall_seconds"] = Math.Round(wall.TotalSeconds, 1),
        };
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
