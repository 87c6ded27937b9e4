using System.Text.Json.Nodes;
using Reproduction.IO;
using Reproduction.Reporting;

namespace Reproduction.Experiments.Verl;

/// <summary>One verl log of one stage of one pipeline: <c>PIPELINE/STAGE=FILE</c> on the command line.</summary>
public sealed record VerlLogSource(string Pipeline, string Stage, string Path)
{
    /// <summary>The stages of each pipeline, in order, as the study names them.</summary>
    public static IReadOnlyDictionary<string, string[]> Pipelines { get; } = new Dictionary<string, string[]>
    {
        [PaperClaim.SftThenRl] = ["sft", "grpo"],
        [PaperClaim.RlThenSft] = ["grpo", "sft"],
    };

    /// <summary>Parses <c>sft-then-rl/sft=runs/x/metrics.jsonl</c>.</summary>
    public static VerlLogSource Parse(string spec)
    {
        int eq = spec.IndexOf('=');
        var head = eq > 0 ? spec[..eq] : "";
        int slash = head.IndexOf('/');
        if (eq <= 0 || slash <= 0 || eq == spec.Length - 1)
            throw new ReproException($"--log: '{spec}' is not PIPELINE/STAGE=FILE (e.g. sft-then-rl/sft=metrics.jsonl)");
        var (pipeline, stage) = (head[..slash], head[(slash + 1)..]);
        if (!Pipelines.TryGetValue(pipeline, out var stages))
            throw new ReproException($"--log: '{spec}': pipeline '{pipeline}' is not {string.Join(" or ", Pipelines.Keys)}");
        if (!stages.Contains(stage)) throw new ReproException($"--log: '{spec}': stage '{stage}' is not sft or grpo");
        return new VerlLogSource(pipeline, stage, spec[(eq + 1)..]);
    }
}

/// <summary>How to read the logs: which reward verl trained with (its <c>val-core</c> metric), the data source, the seed.</summary>
public sealed record VerlImportOptions(string TrainReward = "strict", string DataSource = "cola", int Seed = 1);

/// <summary>What an import produced, with the curves left out and why.</summary>
public sealed record VerlImportResult(RunReport Report, IReadOnlyList<string> Warnings);

/// <summary>
/// `repro import verl`: verl logs (<see cref="VerlLogParser"/>) → a run folder's <c>report.json</c>, so that `repro
/// report`, `repro gate` and `repro baseline record` treat a verl run as a local one. Each pipeline needs the logs of
/// both its stages (several files per stage are merged: the trainer's log and eval_checkpoints.sh's); the second
/// stage's steps are shifted by the first stage's length (its last logged step), as the study numbers them. Step 0 of
/// the second stage is the first stage's end, where the first stage's value wins. Curves are built from
/// <see cref="VerlMetrics"/>; a curve without a base-model point (step 0) is left out with a warning, except the
/// metric the paper's claim is about, which is an error.
/// </summary>
public static class VerlLogImporter
{
    /// <summary>
    /// Two logs may report the same metric at the same step (the console and the file logger): they agree within this.
    /// Older verl printed the console with 3 decimals (rounding error up to 5e-4), hence a whole unit of the third decimal.
    /// </summary>
    public const double DuplicateTolerance = 1e-3;

    public static VerlImportResult Import(StudyPreset preset, IReadOnlyList<VerlLogSource> logs, VerlImportOptions options)
    {
        if (logs.Count == 0) throw new ReproException("import verl: give at least one --log PIPELINE/STAGE=FILE");
        if (!VerlMetrics.Rewards.ContainsKey(options.TrainReward))
            throw new ReproException($"--train-reward: '{options.TrainReward}' is not {string.Join(", ", VerlMetrics.Rewards.Keys)}");
        foreach (var l in logs)
            if (!VerlLogSource.Pipelines.TryGetValue(l.Pipeline, out var known) || !known.Contains(l.Stage))
                throw new ReproException($"import verl: {l.Pipeline}/{l.Stage} is not a stage of the study's pipelines ({string.Join(", ", VerlLogSource.Pipelines.SelectMany(p => p.Value.Select(s => $"{p.Key}/{s}")))})");
        var warnings = new List<string>();
        var sources = new JsonArray();
        var pipelines = VerlLogSource.Pipelines
            .Where(p => logs.Any(l => l.Pipeline == p.Key))
            .Select(p => Pipeline(p.Key, p.Value, logs.Where(l => l.Pipeline == p.Key).ToList(), options, warnings, sources))
            .ToList();
        var environment = new JsonObject
        {
            ["engine"] = "verl", ["preset"] = preset.Name, ["seeds"] = new JsonArray(options.Seed), ["train_reward"] = options.TrainReward,
            ["data_source"] = options.DataSource, ["imported_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"), ["logs"] = sources,
        };
        return new VerlImportResult(new RunReport(RunReport.CurrentFormat, preset.Name, [options.Seed], environment, preset.Decisions, pipelines), warnings);
    }

    /// <summary>A point of a curve: its value, the line it came from, and the index of the stage that logged it.</summary>
    private readonly record struct Point(double Value, string Where, int Stage);

    /// <summary>One pipeline: its stages laid end to end and a curve per tracked metric that has a base-model point.</summary>
    private static PipelineResult Pipeline(string id, string[] stageNames, IReadOnlyList<VerlLogSource> logs, VerlImportOptions options,
        List<string> warnings, JsonArray sources)
    {
        var points = new Dictionary<string, SortedDictionary<int, Point>>(StringComparer.Ordinal);
        var stages = new List<Stage>();
        int offset = 0;
        foreach (var stage in stageNames)
        {
            var records = ReadStage(id, stage, logs.Where(l => l.Stage == stage).ToList(), sources);
            int length = records.Max(r => r.Step);
            if (length < 1) throw ReproException.ForFile(records[0].File, $"pipeline {id}, stage {stage}: no step after 0 (no training step was logged)");
            foreach (var r in records)
                foreach (var (key, value) in r.Data)
                    if (VerlMetrics.MetricOf(key, options.TrainReward, options.DataSource) is { } metric)
                        Add(points.TryGetValue(metric, out var c) ? c : points[metric] = [], offset, stages.Count, r, key, value);
            stages.Add(new Stage(stage, length));
            offset += length;
        }
        var claim = PaperClaim.All.Single(c => c.Pipeline == id);
        var curves = new List<Curve>();
        foreach (var (metric, pts) in points.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!pts.ContainsKey(0))
            {
                var why = $"pipeline {id}: {metric} has no base-model point (step 0; first at step {pts.Keys.First()})";
                if (metric == claim.Metric)
                    throw new ReproException($"import verl: {why}: evaluate the starting model (eval_checkpoints.sh ... base MODEL, or trainer.val_before_train=True)");
                warnings.Add($"{why}: left out");
                continue;
            }
            curves.Add(new Curve(metric, options.Seed, pts.Select(p => new CurvePoint(p.Key, p.Value.Value)).ToList()));
        }
        if (curves.All(c => c.Metric != claim.Metric))
            throw new ReproException($"import verl: pipeline {id} has no {claim.Metric} in its logs (found: {(points.Count == 0 ? "none" : string.Join(", ", points.Keys))}); " +
                                     $"{(claim.Metric == VerlMetrics.Ce ? "val/loss comes from the SFT trainer and eval_checkpoints.sh ce" : "mean@1 comes from GRPO validation and eval_checkpoints.sh reward")}");
        return new PipelineResult(id, id == PaperClaim.SftThenRl ? "SFT-then-RL" : "RL-then-SFT", stages, curves);
    }

    /// <summary>Every metrics line of a stage's files, each file recorded (path, sha256) in the environment block.</summary>
    private static List<VerlLogRecord> ReadStage(string id, string stage, IReadOnlyList<VerlLogSource> files, JsonArray sources)
    {
        if (files.Count == 0) throw new ReproException($"import verl: pipeline {id} has no log for its {stage} stage (--log {id}/{stage}=FILE)");
        var records = new List<VerlLogRecord>();
        foreach (var f in files)
        {
            var read = VerlLogParser.ReadFile(f.Path);
            if (read.Count == 0) throw ReproException.ForFile(f.Path, "no verl metrics lines (expected {\"step\": N, \"data\": {...}} or step:N - key:value)");
            records.AddRange(read);
            sources.Add(new JsonObject { ["pipeline"] = id, ["stage"] = stage, ["path"] = Path.GetFullPath(f.Path), ["sha256"] = Sha256Sums.Of(f.Path), ["lines"] = read.Count });
        }
        return records;
    }

    /// <summary>Puts a logged value on the pipeline's step axis; a second value for the same point must agree, except at the boundary.</summary>
    private static void Add(SortedDictionary<int, Point> curve, int offset, int stageIndex, VerlLogRecord r, string key, double value)
    {
        if (!double.IsFinite(value)) throw new ReproException($"{r.Where}: {key} is {value} (not finite)");
        int step = offset + r.Step;
        if (curve.TryGetValue(step, out var seen))
        {
            if (stageIndex > 0 && r.Step == 0 && seen.Stage < stageIndex) return;   // the boundary: the first stage's end wins
            if (Math.Abs(seen.Value - value) > DuplicateTolerance)
                throw new ReproException($"{r.Where}: {key} at step {r.Step} is {value}, but {seen.Where} gives {seen.Value} for the same point");
            return;
        }
        curve[step] = new Point(value, r.Where, stageIndex);
    }

    /// <summary>Imports and writes the run folder (report.json and preset.json), atomically.</summary>
    public static VerlImportResult ImportTo(string outDir, bool overwrite, StudyPreset preset, IReadOnlyList<VerlLogSource> logs, VerlImportOptions options)
    {
        var result = Import(preset, logs, options);
        AtomicFile.WriteFolder(outDir, tmp =>
        {
            result.Report.Save(tmp);
            File.WriteAllText(Path.Combine(tmp, VerlRunFolder.PresetFile), preset.ToJson());
        }, overwrite);
        return result;
    }
}
