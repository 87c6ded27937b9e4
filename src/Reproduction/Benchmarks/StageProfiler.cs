using System.Diagnostics;
using TorchSharp;

namespace Reproduction.Benchmarks;

/// <summary>
/// A scoped stopwatch that also counts the tensors created (TorchSharp has no profiler UI): each stage's wall time and
/// the number of tensors made while it ran, summed over every time the stage runs (e.g. over layers). Stages are
/// marked either with <see cref="Stage"/> (a using block) or with <see cref="Mark"/>, which closes the running interval
/// under a name: the model's trace hook calls it after each named sub-step (q_proj, attn_probs, mlp_out, …), so the
/// time between two trace points is charged to the later one. On the CPU every op runs synchronously, so wall time
/// between marks is the op's time; on a GPU, <see cref="Synchronize"/> makes it so (at the cost of the overlap).
/// </summary>
public sealed class StageProfiler
{
    public sealed record StageTotal(string Stage, double Seconds, long Tensors, int Calls);

    private readonly Dictionary<string, (double Seconds, long Tensors, int Calls)> _totals = new();
    private readonly List<string> _order = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _last;
    private long _lastTensors;

    public Action? Synchronize { get; init; }

    private static long CreatedTensors()
    {
        var s = DisposeScopeManager.Statistics;
        return s.CreatedInScopeCount + s.CreatedOutsideScopeCount;
    }

    /// <summary>Starts a new interval now (what ran before is not charged to anything).</summary>
    public void Restart()
    {
        Synchronize?.Invoke();
        _last = _clock.Elapsed.TotalSeconds;
        _lastTensors = CreatedTensors();
    }

    /// <summary>Charges the time and tensors since the last mark (or <see cref="Restart"/>) to `stage`.</summary>
    public void Mark(string stage)
    {
        Synchronize?.Invoke();
        double now = _clock.Elapsed.TotalSeconds;
        long tensors = CreatedTensors();
        var (s, t, c) = _totals.TryGetValue(stage, out var v) ? v : (0.0, 0L, 0);
        if (c == 0) _order.Add(stage);
        _totals[stage] = (s + now - _last, t + tensors - _lastTensors, c + 1);
        _last = now;
        _lastTensors = tensors;
    }

    /// <summary>`using (profiler.Stage("backward")) { … }`: the block's time and tensors, charged to `stage`.</summary>
    public IDisposable Stage(string stage)
    {
        Restart();
        return new StageScope(this, stage);
    }

    /// <summary>The model's trace hook: marks each sub-step, with the layer prefix removed so that layers add up.</summary>
    public Action<string, torch.Tensor> Trace() => (name, _) =>
    {
        int dot = name.IndexOf('.');
        Mark(name.StartsWith("layer_", StringComparison.Ordinal) && dot > 0 ? name[(dot + 1)..] : name);
    };

    /// <summary>Totals in first-seen order.</summary>
    public IReadOnlyList<StageTotal> Totals() => _order.Select(n => new StageTotal(n, _totals[n].Seconds, _totals[n].Tensors, _totals[n].Calls)).ToList();

    private sealed class StageScope(StageProfiler owner, string stage) : IDisposable
    {
        public void Dispose() => owner.Mark(stage);
    }
}
