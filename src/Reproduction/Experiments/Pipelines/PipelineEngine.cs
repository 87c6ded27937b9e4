using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Reproduction.Qwen3;
using Reproduction.Runtime;
using Reproduction.Training;
using Tracker = Reproduction.Experiments.StudyContext.Tracker;

namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// The one engine every experiment verb runs its pipelines on. For each pipeline, stage by stage from a fresh copy of the
/// seed's base: a stage whose prefix (this stage and the ones before it, with every option, on the same base, data and
/// seed) another pipeline of the run already trained, or the stage cache holds, is reused (its model, curves and log);
/// otherwise it runs (<see cref="StageSpec.Run"/>) on a fresh copy of the previous stage's model, the observers told at
/// its start, at its evaluation points and at its end. A computed prefix that later pipelines of the run share is kept
/// in memory until the last of them has taken it; with a <see cref="Cache"/> every cacheable prefix is also stored.
/// A stage is cacheable when no observer watches its steps, nor those of a stage before it.
/// Pipelines run side by side on <see cref="Parallelism"/> workers (each depends only on its spec); of two workers that
/// need the same prefix, one trains it and the other waits and reuses it.
/// </summary>
public sealed class PipelineEngine(StudyContext ctx, Action<string> log)
{
    public StageCache? Cache { get; init; }
    public int Parallelism { get; init; } = 1;
    public IReadOnlyList<IPipelineObserver> Observers { get; init; } = [];

    /// <summary>With a label, "k/N LABEL done, about mm:ss left" after every pipeline.</summary>
    public string? ProgressLabel { get; init; }

    private sealed record Prefix(string Key, JsonObject Preimage);

    private sealed class Held(Qwen3ForCausalLM model, PrefixState state, int users)
    {
        public Qwen3ForCausalLM Model => model;
        public PrefixState State => state;
        public int Users { get; set; } = users;
    }

    private readonly ConcurrentDictionary<string, TensorBoardLog> _boards = new();
    private readonly ConcurrentDictionary<string, bool> _written = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new();
    private readonly Dictionary<string, int> _users = [];
    private readonly Dictionary<string, Held> _held = [];

    /// <summary>Runs the pipelines from the seeds' bases in memory (<see cref="BaseStart.InMemory"/>; each keyed once).</summary>
    public IReadOnlyList<PipelineOutcome> Run(IReadOnlyList<PipelineSpec> pipelines, Func<int, Qwen3ForCausalLM> baseOf)
    {
        var starts = new ConcurrentDictionary<int, BaseStart>();
        return Run(pipelines, seed => starts.GetOrAdd(seed, s => BaseStart.InMemory(ctx, baseOf(s))));
    }

    public IReadOnlyList<PipelineOutcome> Run(IReadOnlyList<PipelineSpec> pipelines, Func<int, BaseStart> baseOf)
    {
        var prefixes = pipelines.Select(p => PrefixesOf(p, baseOf(p.Seed))).ToArray();
        foreach (var key in prefixes.SelectMany(x => x).OfType<Prefix>().Select(x => x.Key)) _users[key] = _users.GetValueOrDefault(key) + 1;
        var outcomes = new PipelineOutcome[pipelines.Count];
        var progress = ProgressLabel is null ? null : new JobProgress(pipelines.Count, ProgressLabel);
        void One(int j)
        {
            using (progress?.Begin($"seed {pipelines[j].Seed} · {pipelines[j].Title}"))
                outcomes[j] = RunOne(pipelines[j], baseOf(pipelines[j].Seed), prefixes[j]);
            if (progress is not null) log(progress.Finished());
        }
        try
        {
            if (Parallelism <= 1) for (int j = 0; j < pipelines.Count; j++) One(j);
            else Jobs.For(pipelines.Count, Parallelism, One);
        }
        finally
        {
            lock (_held)
            {
                foreach (var h in _held.Values) h.Model.Dispose();
                _held.Clear();
            }
        }
        return outcomes;
    }

    /// <summary>The cache key of every prefix of a pipeline (null from the first stage an observer watches on).</summary>
    private Prefix?[] PrefixesOf(PipelineSpec p, BaseStart start)
    {
        var context = start.Context;
        var keys = new Prefix?[p.Stages.Count];
        for (int i = 0; i < keys.Length; i++)
        {
            if (Observers.Any(o => o.WatchesSteps(p, i))) break;
            var preimage = StageKey.Preimage(context, p, i, ctx);
            keys[i] = new Prefix(StageKey.Hash(preimage), preimage);
        }
        return keys;
    }

    private PipelineOutcome RunOne(PipelineSpec p, BaseStart start, Prefix?[] prefixes)
    {
        var clock = Stopwatch.StartNew();
        Qwen3ForCausalLM? model = null;
        Tracker? t = null;
        var records = new List<StageRecord>();
        int offset = 0, evalSeed = Seeds.Derive(p.Seed, "eval");
        try
        {
            for (int i = 0; i < p.Stages.Count; i++)
            {
                var spec = p.Stages[i];
                var prefix = prefixes[i];
                var gate = prefix is null ? null : _gates.GetOrAdd(prefix.Key, _ => new SemaphoreSlim(1, 1));
                gate?.Wait();
                try
                {
                    if (prefix is not null && Reuse(p, i, prefix, start) is { } reused)
                    {
                        model?.Dispose();
                        model = reused.Model;
                        t = Tracker.Restored(ctx, model, evalSeed, p.Measure.Rewards, reused.State.Ce, reused.State.Robust, reused.State.Strict, Board(spec.Board));
                        records = [.. reused.State.Stages];
                        offset = records.Sum(r => r.Steps);
                        Replay(p, records, t);
                    }
                    else
                    {
                        var next = model is null ? start.Trainable() : ModelCopy.Trainable(model);
                        if (model is not null) Free(model);
                        model = next;
                        var tracker = t = t is null ? new Tracker(ctx, model, evalSeed, p.Measure.Rewards) { Board = Board(spec.Board) } : t.Fork(model, Board(spec.Board));
                        foreach (var o in Observers) o.OnStageStart(p, i, model, offset);
                        var metrics = ctx.Metrics(spec.MetricsFile);
                        int before = Lines(metrics.Path).Count;
                        int stage = i;
                        var result = spec.Run(new StageRun
                        {
                            Context = ctx, Pipeline = p, Index = i, Tracker = tracker, Offset = offset, Metrics = metrics,
                            Observe = step => { foreach (var o in Observers) o.OnEvaluation(p, stage, tracker.Model, step); },
                        });
                        _written[spec.MetricsFile] = true;
                        records.Add(new StageRecord(spec.Name, result.Steps, result.Values ?? new Dictionary<string, double>(), Lines(metrics.Path).Skip(before).ToList(),
                            [tracker.Ce.Count, tracker.Robust.Count, tracker.Strict.Count]));
                        offset += result.Steps;
                        log($"seed {p.Seed}: {p.Id}: {spec.Name} done ({result.Steps} steps){Summary(tracker)}");
                        if (prefix is not null) Keep(p, i, prefix, model, new PrefixState(StageKey.Format, [.. tracker.Ce], [.. tracker.Robust], [.. tracker.Strict], [.. records]));
                    }
                }
                finally
                {
                    gate?.Release();
                }
                foreach (var o in Observers) o.OnStageEnd(p, i, records[i].Result, model!);
            }
            var outcome = new PipelineOutcome(p, t!, records.Select(r => r.Result).ToList(), clock.Elapsed.TotalSeconds);
            foreach (var o in Observers) o.OnPipelineEnd(outcome, model!);
            return outcome;
        }
        finally
        {
            if (model is not null) Free(model);
        }
    }

    /// <summary>Disposes a model and returns its memory (<see cref="NativeAllocator.Release"/>) before the next one trains.</summary>
    private static void Free(Qwen3ForCausalLM model)
    {
        model.Dispose();
        NativeAllocator.Release();
    }

    private static string Summary(Tracker t) =>
        (t.Ce.Count > 0 ? $", test CE {t.Ce[^1].Value:F3}" : "") + (t.Robust.Count > 0 ? $", robust mean@1 {t.Robust[^1].Value:F3}" : "");

    /// <summary>A prefix trained earlier in this run, or an intact cache entry: a trainable copy of its model and its state.</summary>
    private (Qwen3ForCausalLM Model, PrefixState State)? Reuse(PipelineSpec p, int i, Prefix prefix, BaseStart start)
    {
        string what = $"{p.Stages[i].Name} of {p.Id} (seed {p.Seed})";
        lock (_held)
        {
            if (_held.TryGetValue(prefix.Key, out var h))
            {
                var copy = ModelCopy.Trainable(h.Model);
                if (--h.Users == 0)
                {
                    h.Model.Dispose();
                    _held.Remove(prefix.Key);
                }
                _users[prefix.Key]--;
                log($"seed {p.Seed}: {p.Id}: reused stage {p.Stages[i].Name} (key {StageCache.Short(prefix.Key)}) from this run");
                return (copy, h.State);
            }
        }
        if (Cache?.TryLoad(prefix.Key, what) is not { } entry) return null;
        Qwen3ForCausalLM model;
        using (var loaded = Qwen3ForCausalLM.FromPretrained(entry.ModelFolder, start.Dtype, start.Device, start.AttnImplementation))
            model = ModelCopy.Trainable(loaded);
        log($"seed {p.Seed}: {p.Id}: reused stage {p.Stages[i].Name} (key {StageCache.Short(prefix.Key)}) from cache {Cache.Root}");
        Hold(prefix.Key, model, entry.State);
        return (model, entry.State);
    }

    /// <summary>A prefix this pipeline trained: kept for the run's later pipelines that share it, and stored in the cache.</summary>
    private void Keep(PipelineSpec p, int i, Prefix prefix, Qwen3ForCausalLM model, PrefixState state)
    {
        Hold(prefix.Key, model, state);
        Cache?.Store(prefix.Key, prefix.Preimage, state, folder => TaskSetup.WriteModel(model, ctx.Encoder, folder), $"{p.Stages[i].Name} of {p.Id} (seed {p.Seed})");
    }

    private void Hold(string key, Qwen3ForCausalLM model, PrefixState state)
    {
        lock (_held)
        {
            int later = --_users[key];
            if (later > 0) _held[key] = new Held(ModelCopy.Frozen(model), state, later);
        }
    }

    /// <summary>Writes the logs and evaluation points of reused stages whose metrics file this run has not written yet.</summary>
    private void Replay(PipelineSpec p, IReadOnlyList<StageRecord> records, Tracker t)
    {
        for (int k = 0; k < records.Count; k++)
        {
            var spec = p.Stages[k];
            if (!_written.TryAdd(spec.MetricsFile, true)) continue;
            var metrics = ctx.Metrics(spec.MetricsFile);
            foreach (var line in records[k].MetricsLines) metrics.Append(JsonNode.Parse(line)!.AsObject());
            t.Replay(Board(spec.Board), k == 0 ? [0, 0, 0] : records[k - 1].PointsAtEnd, records[k].PointsAtEnd);
        }
    }

    private TensorBoardLog? Board(string? name) => name is null ? null : _boards.GetOrAdd(name, ctx.EvalBoard);

    private static List<string> Lines(string path) => File.Exists(path) ? File.ReadLines(path).Where(l => l.Length > 0).ToList() : [];
}
