using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Reproduction.IO;
using Reproduction.Qwen3;
using Reproduction.Reporting;
using Reproduction.Rewards;
using Reproduction.Sft;
using ScottPlot;
using static TorchSharp.torch;
using Tracker = Reproduction.Experiments.StudyContext.Tracker;

namespace Reproduction.Experiments;

/// <summary>How a variant trains: SFT-then-RL from the shared SFT checkpoint, RL-then-SFT, interleaved rounds, or one joint loss.</summary>
public enum ScheduleKind { SftThenRl, RlThenSft, Interleaved, Joint }

/// <summary>A schedule: `sft-then-rl`, `rl-then-sft`, `interleaved:K` (K GRPO steps per round), `joint:LAMBDA` (GRPO loss + λ·SFT loss).</summary>
public sealed record Schedule(ScheduleKind Kind, double Parameter = 0)
{
    public static Schedule Parse(string text)
    {
        var parts = text.Trim().Split(':', 2);
        double Arg(string what) => parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v : throw new ReproException($"--schedule: '{text}' needs a positive {what} after ':'");
        return parts[0] switch
        {
            "sft-then-rl" or "sequential" => new(ScheduleKind.SftThenRl),
            "rl-then-sft" => new(ScheduleKind.RlThenSft),
            "interleaved" => new(ScheduleKind.Interleaved, Math.Floor(Arg("integer K")) is var k and >= 1 ? k : throw new ReproException($"--schedule: '{text}': K must be ≥ 1")),
            "joint" => new(ScheduleKind.Joint, Arg("λ")),
            _ => throw new ReproException($"--schedule: '{text}' (sft-then-rl, rl-then-sft, interleaved:K or joint:LAMBDA)"),
        };
    }

    public override string ToString() => Kind switch
    {
        ScheduleKind.SftThenRl => "sft-then-rl",
        ScheduleKind.RlThenSft => "rl-then-sft",
        ScheduleKind.Interleaved => $"interleaved:{Parameter.ToString(CultureInfo.InvariantCulture)}",
        _ => $"joint:{Parameter.ToString(CultureInfo.InvariantCulture)}",
    };
}

/// <summary>One arm of an ablation: its id (the pipeline id in report.json), the GRPO training reward, β and the schedule.</summary>
public sealed record AblationVariant(string Id, string Title, string Reward, double Beta, Schedule Schedule)
{
    public IReward TrainingReward() => Reward switch
    {
        "strict" => new StrictColaReward(),
        "label_only" => new LabelOnlyReward(),
        _ => throw new ReproException($"ablation: unknown reward '{Reward}' (strict, label_only)"),
    };
}

/// <summary>The end of one variant, seed mean ± 95% CI: its change over the second stage (or the whole run from base) and where it ends.</summary>
public sealed record AblationSummary(
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("d_ce")] SeedStatistic DeltaCe,
    [property: JsonPropertyName("d_robust")] SeedStatistic DeltaRobust,
    [property: JsonPropertyName("d_strict")] SeedStatistic DeltaStrict,
    [property: JsonPropertyName("end_ce")] SeedStatistic EndCe,
    [property: JsonPropertyName("end_robust")] SeedStatistic EndRobust,
    [property: JsonPropertyName("end_strict")] SeedStatistic EndStrict,
    [property: JsonPropertyName("base_ce")] SeedStatistic BaseCe,
    [property: JsonPropertyName("c1_per_response")] SeedStatistic? C1PerResponse,
    [property: JsonPropertyName("wall_seconds")] double WallSeconds);

/// <summary>
/// `repro ablate --kind reward|beta|schedule`: the SFT-then-RL pipeline (and, for schedules, its alternatives) under variants,
/// one pipeline per variant in one report.json, every metric tracked, the bridge along each sequential second stage.
/// Sequential variants branch from one SFT checkpoint per seed (the same base and SFT as `repro study`), so they differ only
/// in the second stage; mixed schedules start from the base model with the same budget: S SFT steps (the preset's 2 epochs)
/// and R GRPO steps (rl_stage.max_steps) in every schedule.
/// </summary>
public sealed class AblationRunner(StudyPreset preset, string kind, IReadOnlyList<AblationVariant> variants, string outDir, IReadOnlyList<int> seeds, BridgeOptions? bridge, Action<string> log)
{
    public const string JsonFile = "ablation.json", MarkdownFile = "ablation.md", CePngFile = "ablation-ce.png", EndPngFile = "ablation-end.png";

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private void Log(string message) => log($"[{_clock.Elapsed:mm\\:ss}] {message}");

    /// <summary>The variants of a kind: reward (strict vs label-only), beta (0, 0.001, 0.01, 0.1), schedule (two orders, interleaved:K, joint:λ).</summary>
    public static IReadOnlyList<AblationVariant> Variants(string kind, IReadOnlyList<double>? betas = null, IReadOnlyList<Schedule>? schedules = null)
    {
        // Several kinds ("reward,beta"): their variants in order, a variant that trains exactly like an earlier one dropped
        // (beta=0 is the strict sequential variant of the reward kind), so they share one SFT checkpoint per seed.
        if (kind.Contains(','))
            return kind.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).SelectMany(k => Variants(k, betas, schedules))
                .DistinctBy(v => (v.Reward, v.Beta, v.Schedule)).ToList();
        var seq = new Schedule(ScheduleKind.SftThenRl);
        return kind switch
        {
            "reward" =>
            [
                new("strict", "GRPO with the strict reward (SFT target scores −1)", "strict", 0, seq),
                new("label-only", "GRPO with the label-only reward (SFT target scores +1)", "label_only", 0, seq),
            ],
            "beta" => (betas ?? [0, 0.001, 0.01, 0.1]).Select(b => new AblationVariant(
                string.Create(CultureInfo.InvariantCulture, $"beta={b}"), string.Create(CultureInfo.InvariantCulture, $"GRPO with KL coefficient β = {b} (strict reward)"), "strict", b, seq)).ToList(),
            "schedule" => (schedules ?? [seq, new(ScheduleKind.RlThenSft), new(ScheduleKind.Interleaved, 10), new(ScheduleKind.Joint, 1)])
                .Select(s => new AblationVariant(s.ToString(), $"schedule {s} (strict reward)", "strict", 0, s)).ToList(),
            _ => throw new ReproException($"--kind: '{kind}' (reward, beta or schedule)"),
        };
    }

    public RunReport Run()
    {
        Directory.CreateDirectory(outDir);
        var metricsDir = Directory.CreateDirectory(Path.Combine(outDir, "metrics")).FullName;
        AtomicFile.WriteAllText(Path.Combine(outDir, "preset.json"), preset.ToJson());
        TorchSharp.torch.set_num_threads(Math.Max(1, System.Environment.ProcessorCount));
        var ctx = new StudyContext(preset, metricsDir, bridge, Log);
        var grpo = preset.Grpo with { MaxSteps = preset.RlStage.MaxSteps };
        var curves = variants.ToDictionary(v => v.Id, _ => new List<Curve>());
        var wall = variants.ToDictionary(v => v.Id, _ => 0.0);
        int sftSteps = SftTrainer.StepsFor(preset.Sft, ctx.SftTrain.Count);
        var done = new List<int>();
        RunReport? report = null;
        var rlSteps = variants.ToDictionary(v => v.Id, _ => grpo.MaxSteps);
        var progress = new JobProgress(seeds.Count * variants.Count, "variants");

        foreach (var seed in seeds)
        {
            var baseModel = TaskSetup.BaseModel(preset, ctx.Encoder, ctx.Train, seed, metricsDir, Log);
            Tracker? sftTracker = null;
            foreach (var v in variants)
            {
                using var job = progress.Begin($"seed {seed} · {v.Id}");
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var reward = v.TrainingReward();
                var options = grpo with { Beta = v.Beta };
                string prefix = $"seed-{seed}-{Safe(v.Id)}";
                Log($"seed {seed}: {v.Id}");
                switch (v.Schedule.Kind)
                {
                    case ScheduleKind.SftThenRl:
                        if (sftTracker is null)
                        {
                            var a = ModelCopy.Trainable(baseModel);
                            sftTracker = new Tracker(ctx, a, Seeds.Derive(seed, "eval"), rewards: true) { Board = ctx.EvalBoard($"seed-{seed}-sft") };
                            ctx.SftStage(sftTracker, seed, $"seed-{seed}-sft.jsonl");
                            Log($"seed {seed}: SFT done ({sftSteps} steps), test CE {sftTracker.Ce[^1].Value:F3}");
                        }
                        var t = sftTracker.Fork(ModelCopy.Trainable(sftTracker.Model), ctx.EvalBoard(prefix));
                        var hist = ctx.GrpoStage(t, seed, reward, options, sftSteps, v.Id, $"{prefix}-grpo.jsonl");
                        rlSteps[v.Id] = hist.Count;
                        curves[v.Id].AddRange(t.Curves(seed));
                        Log($"seed {seed}: {v.Id} done, test CE {t.Ce[^1].Value:F3}, robust mean@1 {t.Robust[^1].Value:F3}");
                        break;
                    case ScheduleKind.RlThenSft:
                    {
                        var tb = new Tracker(ctx, ModelCopy.Trainable(baseModel), Seeds.Derive(seed, "eval"), rewards: true) { Board = ctx.EvalBoard(prefix) };
                        rlSteps[v.Id] = ctx.RlThenSft(tb, seed, reward, options, null, trackCe: true, v.Id, prefix, sftSteps);
                        curves[v.Id].AddRange(tb.Curves(seed));
                        break;
                    }
                    default:
                        curves[v.Id].AddRange(Mixed(ctx, baseModel, seed, v, reward, prefix).Curves(seed));
                        break;
                }
                wall[v.Id] += clock.Elapsed.TotalSeconds;
                report = Write(ctx, kind, [.. done, seed], sftSteps, rlSteps, curves, wall);   // after every variant: a stopped run keeps what it measured
                Log(progress.Finished());
            }
            done.Add(seed);
        }
        return report!;
    }

    private RunReport Write(StudyContext ctx, string kind, IReadOnlyList<int> seedsDone, int sftSteps, IReadOnlyDictionary<string, int> rlSteps,
        IReadOnlyDictionary<string, List<Curve>> curves, IReadOnlyDictionary<string, double> wall)
    {
        var pipelines = variants.Where(v => curves[v.Id].Count > 0).Select(v => new PipelineResult(v.Id, v.Title, v.Schedule.Kind switch
        {
            ScheduleKind.SftThenRl => [new Stage("sft", sftSteps), new Stage("grpo", rlSteps[v.Id])],
            ScheduleKind.RlThenSft => [new Stage("grpo", rlSteps[v.Id]), new Stage("sft", sftSteps)],
            _ => [new Stage("start", 0), new Stage(v.Schedule.ToString(), sftSteps + rlSteps[v.Id])],
        }, curves[v.Id].ToList())).ToList();
        var report = new RunReport(RunReport.CurrentFormat, $"{preset.Name}+ablate-{kind.Replace(',', '+')}", seedsDone.ToList(),
            StudyRunner.EnvironmentBlock(preset, seedsDone, _clock.Elapsed), preset.Decisions, pipelines);
        report.Save(outDir);
        ReportMarkdown.Write(report, outDir);
        Frontier.Write(report, outDir);
        if (ctx.Bridge is not null) BridgeReport.Write(report.Preset, seedsDone, ctx.BridgeRows, outDir);
        var summaries = Summaries(report, ctx.BridgeRows, wall);
        AtomicFile.WriteAllText(Path.Combine(outDir, JsonFile), JsonSerializer.Serialize(new { preset = report.Preset, kind, seeds = seedsDone, variants = summaries }, new JsonSerializerOptions { WriteIndented = true }));
        AtomicFile.WriteAllText(Path.Combine(outDir, MarkdownFile), Markdown(report, kind, summaries));
        CeFigure(report, Path.Combine(outDir, CePngFile));
        EndFigure(report, summaries, Path.Combine(outDir, EndPngFile));
        Log($"seeds {string.Join(",", seedsDone)}: wrote {RunReport.FileName}, {JsonFile}, {MarkdownFile}, {CePngFile}, {EndPngFile}, {Frontier.PngFile}{(ctx.Bridge is null ? "" : $", {BridgeReport.PngFile}")} in {outDir}");
        return report;
    }

    private static string Safe(string id) => string.Concat(id.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_'));

    /// <summary>
    /// A mixed schedule (`interleaved:K`, `joint:λ`) on the schedule engine of `repro frontier --schedules`
    /// (<see cref="Schedules.ScheduleTrainer"/>: T = S + R steps, each with its share of the completions and demonstrations),
    /// from the base, with the CE and both rewards evaluated at step 0, at every ⌈T/6⌉ steps and at the end.
    /// </summary>
    private Tracker Mixed(StudyContext ctx, Qwen3ForCausalLM baseModel, int seed, AblationVariant v, IReward reward, string prefix)
    {
        var m = ModelCopy.Trainable(baseModel);
        var t = new Tracker(ctx, m, Seeds.Derive(seed, "eval"), rewards: true) { Board = ctx.EvalBoard(prefix) };
        var schedule = Schedules.ScheduleCatalog.Parse(v.Schedule.ToString());
        int total = schedule.TotalSteps(Schedules.ScheduleTrainer.ShapeOf(ctx)), every = (total + 5) / 6;
        t.AddCe(0);
        t.Rewards(0);
        var trainer = new Schedules.ScheduleTrainer(m, schedule, ctx, reward, seed)
        {
            Metrics = ctx.Metrics($"{prefix}-{(v.Schedule.Kind == ScheduleKind.Joint ? "joint" : "interleaved")}.jsonl"),
            OnStep = j => { if (j % every == 0 || j == total) { t.AddCe(j); t.Rewards(j); } },
        };
        trainer.Train();
        Log($"seed {seed}: {v.Id}: {trainer.OptimizerSteps} steps, {trainer.SampledCompletions} completions, {trainer.Demonstrations} demonstrations, test CE {t.Ce[^1].Value:F3}, robust mean@1 {t.Robust[^1].Value:F3}");
        return t;
    }

    private static IReadOnlyList<AblationSummary> Summaries(RunReport run, IReadOnlyList<BridgeRow> rows, IReadOnlyDictionary<string, double> wall) =>
        run.Pipelines.Select(p =>
        {
            SeedStatistic Change(string metric) => CurveStatistics.Change(p, metric, CurveStatistics.KeyPoint.EndOfStage1, CurveStatistics.KeyPoint.EndOfStage2);
            SeedStatistic End(string metric) => CurveStatistics.AtKeyPoint(p, metric, CurveStatistics.KeyPoint.EndOfStage2);
            var last = rows.Where(r => r.Pipeline == p.Id && r.Prompts == "sft-test").GroupBy(r => r.Seed).Select(g => g.MaxBy(r => r.Step)!.C1.Mean).ToList();
            return new AblationSummary(p.Id, p.Title, Change(StudyRunner.CeMetric), Change(StudyRunner.RobustMetric), Change(StudyRunner.StrictMetric),
                End(StudyRunner.CeMetric), End(StudyRunner.RobustMetric), End(StudyRunner.StrictMetric),
                CurveStatistics.AtKeyPoint(p, StudyRunner.CeMetric, CurveStatistics.KeyPoint.Base), last.Count > 0 ? CurveStatistics.Of(last) : null,
                Math.Round(wall.GetValueOrDefault(p.Id), 1));
        }).ToList();

    public static string Markdown(RunReport run, string kind, IReadOnlyList<AblationSummary> rows)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Ablation `{kind}` [{run.Preset}], seeds {string.Join(", ", run.Seeds)}").AppendLine();
        md.AppendLine("Seed mean ± 95% Student-t CI. Δ = end of the second stage − end of the first (for mixed schedules: end − base). " +
                      "CE is the SFT-test cross-entropy per completion token; C1 is per response (bridge, last checkpoint). Wall time: the variant's own training and evaluation (the shared SFT stage is counted in the first sequential variant, the base model in none).").AppendLine();
        md.AppendLine("| variant | Δ CE | Δ robust mean@1 | Δ strict mean@1 | end CE | end robust | end strict | base CE | C1 (nats/response) | wall s |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
            md.AppendLine($"| {r.Variant} | {r.DeltaCe} | {r.DeltaRobust} | {r.DeltaStrict} | {r.EndCe} | {r.EndRobust} | {r.EndStrict} | {r.BaseCe} | {r.C1PerResponse?.ToString() ?? "–"} | {r.WallSeconds:F0} |");
        return md.ToString();
    }

    private static void CeFigure(RunReport run, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (var p in run.Pipelines)
        {
            var mean = CurveStatistics.MeanCurve(p.AlignedCurvesOf(StudyRunner.CeMetric));
            var line = plot.Add.ScatterLine(mean.Select(x => (double)x.Step).ToArray(), mean.Select(x => x.Stat.Mean).ToArray(), palette.GetColor(k++));
            line.LegendText = p.Id;
            line.LineWidth = 2;
        }
        FigureFile.Finish(plot, $"SFT-test cross-entropy by variant [{run.Preset}]", "global step", "SFT test CE (nats/token), seed mean", path);
    }

    private static void EndFigure(RunReport run, IReadOnlyList<AblationSummary> rows, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (var r in rows)
        {
            var pts = plot.Add.ScatterPoints(new[] { r.EndRobust.Mean }, new[] { r.EndCe.Mean }, palette.GetColor(k++));
            pts.MarkerSize = 10;
            pts.LegendText = $"{r.Variant}: end";
        }
        var b = run.Pipelines[0];
        var basePt = plot.Add.ScatterPoints(new[] { CurveStatistics.AtKeyPoint(b, StudyRunner.RobustMetric, CurveStatistics.KeyPoint.Base).Mean },
            new[] { CurveStatistics.AtKeyPoint(b, StudyRunner.CeMetric, CurveStatistics.KeyPoint.Base).Mean }, Colors.Black);
        basePt.MarkerSize = 10;
        basePt.MarkerShape = MarkerShape.OpenCircle;
        basePt.LegendText = "base model";
        FigureFile.Finish(plot, $"Where each variant ends [{run.Preset}] (lower right is better)", "robust mean@1 at the end", "SFT test CE at the end (nats/token)", path);
    }
}
