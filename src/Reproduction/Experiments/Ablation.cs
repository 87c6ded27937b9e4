using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Reproduction.Experiments.Pipelines;
using Reproduction.Experiments.Schedules;
using Reproduction.IO;
using Reproduction.Qwen3;
using Reproduction.Reporting;
using Reproduction.Rewards;
using Reproduction.Sft;
using ScottPlot;
using static TorchSharp.torch;

namespace Reproduction.Experiments;

/// <summary>
/// One arm of an ablation: its id (the pipeline id in report.json), the GRPO training reward, β and the schedule, a
/// <see cref="ScheduleCatalog"/> spec: `sft-then-rl` (alias `sequential`) and `rl-then-sft` run the study's SFT and GRPO
/// stages, any other schedule (`interleaved:K`, `joint:LAMBDA`, `chord-mu`, …) one stage on the schedule engine.
/// </summary>
public sealed record AblationVariant(string Id, string Title, string Reward, double Beta, string Schedule)
{
    /// <summary>The schedule as the catalogue reads it (its canonical name; throws naming the known schedules for an unknown one).</summary>
    public Schedules.Schedule Parsed => ScheduleCatalog.Parse(Schedule);

    /// <summary>Sequential: SFT then GRPO with the study's trainers (the catalogue's plain sft-then-rl).</summary>
    public bool SftThenRl => Parsed is { Info.Family: ScheduleFrontierReport.SftThenRl, SftWeight: SftTokenWeight.Nll };

    /// <summary>GRPO (all R steps, no plateau stop) then SFT with the study's trainers.</summary>
    public bool RlThenSft => Parsed is { Info.Family: ScheduleFrontierReport.RlThenSft, SftWeight: SftTokenWeight.Nll };
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

    /// <summary>The stage cache folder (<see cref="StageCache"/>), or null: the shared SFT stage is then trained once per seed and kept in memory.</summary>
    public string? CacheDir { get; init; }

    /// <summary>The variants of a kind: reward (strict vs label-only), beta (0, 0.001, 0.01, 0.1), schedule (two orders, interleaved:K, joint:λ).</summary>
    public static IReadOnlyList<AblationVariant> Variants(string kind, IReadOnlyList<double>? betas = null, IReadOnlyList<string>? schedules = null)
    {
        // Several kinds ("reward,beta"): their variants in order, a variant that trains exactly like an earlier one dropped
        // (beta=0 is the strict sequential variant of the reward kind), so they share one SFT checkpoint per seed.
        if (kind.Contains(','))
            return kind.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).SelectMany(k => Variants(k, betas, schedules))
                .DistinctBy(v => (v.Reward, v.Beta, v.Parsed.Name)).ToList();
        const string seq = ScheduleFrontierReport.SftThenRl;
        return kind switch
        {
            "reward" =>
            [
                new("strict", "GRPO with the strict reward (SFT target scores −1)", TrainingRewards.Strict, 0, seq),
                new("label-only", "GRPO with the label-only reward (SFT target scores +1)", TrainingRewards.LabelOnly, 0, seq),
            ],
            "beta" => (betas ?? [0, 0.001, 0.01, 0.1]).Select(b => new AblationVariant(
                string.Create(CultureInfo.InvariantCulture, $"beta={b}"), string.Create(CultureInfo.InvariantCulture, $"GRPO with KL coefficient β = {b} (strict reward)"), TrainingRewards.Strict, b, seq)).ToList(),
            "schedule" => (schedules ?? [seq, ScheduleFrontierReport.RlThenSft, "interleaved:10", "joint:1"]).Select(ScheduleVariant).ToList(),
            _ => throw new ReproException($"--kind: '{kind}' (reward, beta or schedule)"),
        };
    }

    /// <summary>The variant of one --schedules entry: its id is the spec as written (`sequential` reads as sft-then-rl); the catalogue checks it.</summary>
    public static AblationVariant ScheduleVariant(string spec)
    {
        var id = spec.Trim();
        var parsed = ScheduleCatalog.Parse(id);
        if (parsed is { Info.Family: ScheduleFrontierReport.SftThenRl, SftWeight: SftTokenWeight.Nll }) id = ScheduleFrontierReport.SftThenRl;
        return new AblationVariant(id, $"schedule {id} (strict reward)", TrainingRewards.Strict, 0, id);
    }

    /// <summary>
    /// A variant's pipeline on one seed. Sequential variants share their first stage (the same SFT on the same base),
    /// so the engine trains it once per seed; mixed schedules run from the base with the CE and both rewards at step 0,
    /// every ⌈T/6⌉ steps and at the end.
    /// </summary>
    public static PipelineSpec Pipeline(StudyPreset preset, AblationVariant v, int seed)
    {
        var grpo = preset.Grpo with { MaxSteps = preset.RlStage.MaxSteps, Beta = v.Beta, Seed = seed };
        string prefix = $"seed-{seed}-{Safe(v.Id)}";
        IReadOnlyList<StageSpec> stages = v.SftThenRl
            ?
            [
                new SftStageSpec(preset.Sft with { Seed = seed }) { MetricsFile = $"seed-{seed}-sft.jsonl", Board = $"seed-{seed}-sft" },
                new GrpoStageSpec(grpo, v.Reward) { MetricsFile = $"{prefix}-grpo.jsonl", Board = prefix },
            ]
            : v.RlThenSft
                ?
                [
                    new GrpoStageSpec(grpo, v.Reward) { MetricsFile = $"{prefix}-grpo.jsonl", Board = prefix },
                    new SftStageSpec(preset.Sft with { Seed = seed }) { MetricsFile = $"{prefix}-sft.jsonl", Board = prefix },
                ]
                : [new ScheduleStageSpec(v.Schedule, v.Reward, Evaluations: 6) { MetricsFile = $"{prefix}-{v.Parsed.Info.Family}.jsonl", Board = prefix }];
        return new PipelineSpec(v.Id, v.Title, seed, stages, Measurements.All);
    }

    public RunReport Run()
    {
        DryRunSpec.RefuseBaseOnDisk(preset, "ablate");
        using var owner = RunFolderLock.Acquire(outDir, "ablate");
        var metricsDir = Directory.CreateDirectory(Path.Combine(outDir, "metrics")).FullName;
        AtomicFile.WriteAllText(Path.Combine(outDir, "preset.json"), preset.ToJson());
        TorchSharp.torch.set_num_threads(Math.Max(1, System.Environment.ProcessorCount));
        var ctx = new StudyContext(preset, metricsDir, bridge, Log);
        var writer = new ReportWriter(seeds, variants, (seedsDone, done) => Write(ctx, seedsDone, done));
        var bases = new Dictionary<int, Qwen3ForCausalLM>();
        Qwen3ForCausalLM BaseOf(int seed)
        {
            if (!bases.TryGetValue(seed, out var model)) bases[seed] = model = TaskSetup.BaseModel(preset, ctx.Encoder, ctx.Train, seed, metricsDir, Log);
            return model;
        }
        try
        {
            var engine = new PipelineEngine(ctx, Log)
            {
                Cache = CacheDir is null ? null : new StageCache(CacheDir, Log), ProgressLabel = "pipelines",
                Observers = [new BridgeObserver(ctx), writer],
            };
            engine.Run([.. seeds.SelectMany(seed => variants.Select(v => Pipeline(preset, v, seed)))], BaseOf);
            return writer.Report!;
        }
        finally
        {
            foreach (var model in bases.Values) model.Dispose();
        }
    }

    /// <summary>Writes the report after every pipeline (a stopped run keeps what it measured), with the seeds whose every variant is done.</summary>
    private sealed class ReportWriter(IReadOnlyList<int> seeds, IReadOnlyList<AblationVariant> variants,
        Func<IReadOnlyList<int>, IReadOnlyList<PipelineOutcome>, RunReport> write) : IPipelineObserver
    {
        private readonly List<PipelineOutcome> _done = [];
        public RunReport? Report { get; private set; }

        public void OnPipelineEnd(PipelineOutcome outcome, Qwen3ForCausalLM model)
        {
            _done.Add(outcome);
            var seedsDone = seeds.Where(s => variants.All(v => _done.Any(o => o.Spec.Seed == s && o.Spec.Id == v.Id))).ToList();
            Report = write(seedsDone.Count > 0 && seedsDone[^1] == outcome.Spec.Seed ? seedsDone : [.. seedsDone, outcome.Spec.Seed], _done);
        }
    }

    private RunReport Write(StudyContext ctx, IReadOnlyList<int> seedsDone, IReadOnlyList<PipelineOutcome> done)
    {
        var pipelines = variants.Where(v => done.Any(o => o.Spec.Id == v.Id)).Select(v =>
        {
            var runs = done.Where(o => o.Spec.Id == v.Id).ToList();
            var stages = runs[^1].ReportStages;
            if (!v.SftThenRl && !v.RlThenSft) stages = [new Stage("start", 0), .. stages];
            return new PipelineResult(v.Id, v.Title, stages, runs.SelectMany(r => r.Tracker.Curves(r.Spec.Seed)).ToList());
        }).ToList();
        var wall = variants.ToDictionary(v => v.Id, v => done.Where(o => o.Spec.Id == v.Id).Sum(o => o.WallSeconds));
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
