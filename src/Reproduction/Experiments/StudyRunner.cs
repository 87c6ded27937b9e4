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

    public const string CeMetric = "sft_test_ce", RobustMetric = "mean1_robust", StrictMetric = "mean1_strict";

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private void Log(string message) => log($"[{_clock.Elapsed:mm\\:ss}] {message}");

    public RunReport Run()
    {
        Directory.CreateDirectory(outDir);
        var metricsDir = Directory.CreateDirectory(Path.Combine(outDir, "metrics")).FullName;
        AtomicFile.WriteAllText(Path.Combine(outDir, "preset.json"), preset.ToJson());
        torch.set_num_threads(Math.Max(1, System.Environment.ProcessorCount));

        var (train, test) = TaskSetup.LoadData(preset.Data);
        var tokenizer = Qwen3Tokenizer.LoadDefault();
        var formatter = ColaTaskFormatter.ColaRl;
        var encoder = TaskSetup.Encoder(preset, tokenizer, formatter, train.Concat(test).ToList());
        var sftTrain = train.Select(encoder.Sft).ToList();
        var sftTest = test.Select(encoder.Sft).ToList();
        var rlTrain = train.Select(encoder.Rl).ToList();
        var evalSet = test.Take(preset.Data.EvalPrompts > 0 ? preset.Data.EvalPrompts : test.Count).Select(encoder.Rl).ToList();
        Log($"data: {train.Count} train / {test.Count} test ({preset.Data.Kind}); vocabulary: {(encoder.Subset is null ? "full" : $"{encoder.Subset.Count}-token subset of Qwen3's")}; mean@1 on {evalSet.Count} prompts");

        var grpo = preset.GrpoOptions;
        var strict = new WeightedReward([new StrictColaReward()]);
        IReward[] evalRewards = [new RobustColaReward(), new StrictColaReward()];
        var sampling = new SamplingOptions
        {
            DoSample = true, Temperature = preset.Eval.Temperature, TopP = preset.Eval.TopP, TopK = 0,
            MaxNewTokens = preset.Eval.MaxNewTokens, EosTokenIds = encoder.StopIds, PadTokenId = encoder.PadId,
        };
        var ceA = new List<Curve>();
        var rewardB = new List<Curve>();
        int sftSteps = 0, rlStepsA = 0, rlStepsB = 0;

        foreach (var seed in seeds)
        {
            var seedDir = Path.Combine(outDir, $"seed-{seed}");
            var baseModel = TaskSetup.BaseModel(preset, encoder, train, seed, metricsDir, Log);
            TaskSetup.SaveModel(baseModel, encoder, Path.Combine(seedDir, "base"));

            // ---- SFT-then-RL ----
            Log($"seed {seed}: SFT-then-RL");
            var a = ModelCopy.Trainable(baseModel);
            var ce = new List<CurvePoint>();
            var robustA = new List<CurvePoint>();
            var strictA = new List<CurvePoint>();
            int evalNoA = 0;
            void EvalRewardsA(long step)
            {
                if (!TrackAll) return;
                var r = RewardEvaluation.Evaluate(a, evalSet, encoder.Decode, evalRewards, sampling with { Seed = (ulong)(seed * 100_000 + 50_000 + evalNoA++) }, batchSize: preset.Eval.BatchSize);
                robustA.Add(new CurvePoint((int)step, r["robust_cola"].Mean));
                strictA.Add(new CurvePoint((int)step, r["strict_cola"].Mean));
            }
            EvalRewardsA(0);
            double Ce() => CrossEntropy.Evaluate(a, sftTest, encoder.PadId, preset.Sft.MaxLength, preset.Sft.PerDeviceEvalBatchSize).MeanTokenNll;
            var sftA = new SftTrainer(a, preset.Sft with { Seed = seed }, sftTrain, sftTest, encoder.PadId)
            {
                Metrics = new MetricsLog(Path.Combine(metricsDir, $"seed-{seed}-sft-then-rl-sft.jsonl")),
                OnStep = m => { if (m.EvalCe is { } v) ce.Add(new CurvePoint((int)m.Step, v)); },
                OnEval = EvalRewardsA,
            };
            sftA.Train();
            sftSteps = sftA.TotalSteps;
            Log($"seed {seed}: SFT done ({sftSteps} steps), test CE {ce[^1].Value:F3} (base {ce[0].Value:F3})");
            TaskSetup.SaveModel(a, encoder, Path.Combine(seedDir, "sft-then-rl", "after-sft"));
            var grpoA = new GrpoTrainer(a, grpo.Beta != 0 ? ModelCopy.Frozen(a) : null, grpo with { Seed = seed, MaxSteps = preset.RlStage.MaxSteps },
                rlTrain, strict, encoder.Decode)
            {
                StepOffset = sftSteps,
                Metrics = new MetricsLog(Path.Combine(metricsDir, $"seed-{seed}-sft-then-rl-grpo.jsonl")),
                OnEval = step => { if (step > sftSteps) { ce.Add(new CurvePoint((int)step, Ce())); EvalRewardsA(step); } },
            };
            var histA = grpoA.Train();
            rlStepsA = histA.Count;
            Log($"seed {seed}: GRPO done ({rlStepsA} steps, train reward {histA.TakeLast(5).Average(m => m["reward"]):F3}), test CE {ce[^1].Value:F3}");
            TaskSetup.SaveModel(a, encoder, Path.Combine(seedDir, "sft-then-rl", "after-grpo"));
            ceA.Add(new Curve(CeMetric, seed, ce));
            if (TrackAll)
            {
                ceA.Add(new Curve(RobustMetric, seed, robustA));
                ceA.Add(new Curve(StrictMetric, seed, strictA));
            }

            // ---- RL-then-SFT ----
            Log($"seed {seed}: RL-then-SFT");
            var b = ModelCopy.Trainable(baseModel);
            var robust = new List<CurvePoint>();
            var strictPts = new List<CurvePoint>();
            var ceB = new List<CurvePoint>();
            int evalNo = 0;
            void EvalRewards(long step)
            {
                if (TrackAll) ceB.Add(new CurvePoint((int)step, CrossEntropy.Evaluate(b, sftTest, encoder.PadId, preset.Sft.MaxLength, preset.Sft.PerDeviceEvalBatchSize).MeanTokenNll));
                var r = RewardEvaluation.Evaluate(b, evalSet, encoder.Decode, evalRewards, sampling with { Seed = (ulong)(seed * 100_000 + evalNo++) }, batchSize: preset.Eval.BatchSize);
                robust.Add(new CurvePoint((int)step, r["robust_cola"].Mean));
                strictPts.Add(new CurvePoint((int)step, r["strict_cola"].Mean));
            }
            var rl = preset.RlStage;
            var grpoB = new GrpoTrainer(b, grpo.Beta != 0 ? ModelCopy.Frozen(b) : null, grpo with { Seed = seed, MaxSteps = rl.MaxSteps },
                rlTrain, strict, encoder.Decode)
            {
                Metrics = new MetricsLog(Path.Combine(metricsDir, $"seed-{seed}-rl-then-sft-grpo.jsonl")),
                OnEval = EvalRewards,
                StopWhen = h => Plateaued(h, rl),
            };
            var histB = grpoB.Train();
            rlStepsB = Math.Max(rlStepsB, histB.Count);
            int seedRlSteps = histB.Count;
            Log($"seed {seed}: GRPO stopped after {seedRlSteps} steps ({(seedRlSteps < rl.MaxSteps ? "reward plateau" : "step cap")}), mean@1 robust {robust[^1].Value:F3} (base {robust[0].Value:F3})");
            TaskSetup.SaveModel(b, encoder, Path.Combine(seedDir, "rl-then-sft", "after-grpo"));
            var sftB = new SftTrainer(b, preset.Sft with { Seed = seed }, sftTrain, null, encoder.PadId)
            {
                StepOffset = seedRlSteps,
                Metrics = new MetricsLog(Path.Combine(metricsDir, $"seed-{seed}-rl-then-sft-sft.jsonl")),
                OnEval = EvalRewards,
            };
            sftB.Train();
            Log($"seed {seed}: SFT done, mean@1 robust {robust[^1].Value:F3}, strict {strictPts[^1].Value:F3}");
            TaskSetup.SaveModel(b, encoder, Path.Combine(seedDir, "rl-then-sft", "after-sft"));
            rewardB.Add(new Curve(RobustMetric, seed, robust, seedRlSteps));
            rewardB.Add(new Curve(StrictMetric, seed, strictPts, seedRlSteps));
            if (TrackAll) rewardB.Add(new Curve(CeMetric, seed, ceB, seedRlSteps));
        }

        var report = new RunReport(RunReport.CurrentFormat, preset.Name, seeds, EnvironmentBlock(), preset.Decisions,
        [
            new PipelineResult(PaperClaim.SftThenRl, "SFT-then-RL", [new Stage("sft", sftSteps), new Stage("grpo", rlStepsA)], ceA),
            new PipelineResult(PaperClaim.RlThenSft, "RL-then-SFT", [new Stage("grpo", rlStepsB), new Stage("sft", sftSteps)], rewardB),
        ]);
        report.Save(outDir);
        ReportMarkdown.Write(report, outDir);
        Figure3.WriteAll(report, outDir);
        Log($"wrote {Path.Combine(outDir, RunReport.FileName)}, {ReportMarkdown.FileName}, {Figure3.FileA}, {Figure3.FileB}");
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

    private JsonObject EnvironmentBlock()
    {
        var env = TorchEnvironment.Capture();
        return new JsonObject
        {
            ["preset"] = preset.Name, ["seeds"] = new JsonArray(seeds.Select(s => (JsonNode)s).ToArray()),
            ["dtype"] = preset.Model.Dtype, ["device"] = env.CudaAvailable ? "cuda" : "cpu", ["threads"] = env.Threads,
            ["processors"] = env.ProcessorCount, ["dotnet"] = env.DotnetVersion, ["os"] = env.Os,
            ["torchsharp"] = env.TorchSharpVersion, ["libtorch"] = env.LibTorchVersion, ["git_commit"] = GitCommit(),
            ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"), ["wall_seconds"] = Math.Round(_clock.Elapsed.TotalSeconds, 1),
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
