using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Reproduction.Training;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter) with decoupled weight decay, step for step as torch.optim.AdamW
/// (single-tensor path): p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
/// p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε). Written here rather than taken from
/// torch.optim so that its state (moments and step) is a set of named tensors that checkpoints
/// save and restore exactly, and every update is in place. Parameters stored in bfloat16/float16 get float32
/// master weights and float32 moments (mixed-precision training's usual rule): the update is applied to the master
/// copy and rounded into the parameter, so small steps (lr 1e-6 on weights ~1e-2) are not lost to bf16 rounding.
/// </summary>
public sealed class AdamW : IDisposable
{
    public sealed record Options(double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8, double WeightDecay = 0.0);

    private readonly (string Name, Parameter Param)[] _params;
    private readonly Dictionary<string, (Tensor ExpAvg, Tensor ExpAvgSq)> _state = new();
    private readonly Dictionary<string, Tensor> _master = new();

    private static bool NeedsMaster(Tensor p) => p.dtype is ScalarType.BFloat16 or ScalarType.Float16;

    public Options Settings { get; }
    public long Step { get; private set; }

    public AdamW(IEnumerable<(string Name, Parameter Param)> parameters, Options settings)
    {
        _params = parameters.Where(p => p.Param.requires_grad).ToArray();
        Settings = settings;
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in _params)
        {
            var stateType = NeedsMaster(p) ? ScalarType.Float32 : p.dtype;
            _state[name] = (torch.zeros_like(p, stateType).DetachFromDisposeScope(), torch.zeros_like(p, stateType).DetachFromDisposeScope());
            if (!NeedsMaster(p)) continue;
            using var view = p.detach();
            _master[name] = view.to(ScalarType.Float32).DetachFromDisposeScope();     // a new float32 tensor: no clone needed
        }
    }

    public IEnumerable<Parameter> Parameters => _params.Select(p => p.Param);

    public void ZeroGrad()
    {
        using var scope = torch.NewDisposeScope();                                  // each `grad` read is a new handle on the storage
        foreach (var (_, p) in _params) p.grad?.zero_();
    }

    /// <summary>One update with learning rate <paramref name="lr"/>; parameters without a gradient are left alone.</summary>
    public void StepWith(double lr)
    {
        Step++;
        var (b1, b2, eps, wd) = (Settings.Beta1, Settings.Beta2, Settings.Epsilon, Settings.WeightDecay);
        double bias1 = 1 - Math.Pow(b1, Step), bias2 = 1 - Math.Pow(b2, Step);
        using var _ = torch.no_grad();
        foreach (var (name, p) in _params)
        {
            using var scope = torch.NewDisposeScope();
            var g = p.grad;
            if (g is null) continue;
            var (m, v) = _state[name];
            var target = _master.TryGetValue(name, out var master) ? master : p;
            long n = p.numel();
            bool chunked = n > ChunkElements && new[] { p, g, m, v, target }.All(t => t.is_contiguous());
            for (long start = 0; start < n; start += chunked ? ChunkElements : n)
            {
                using var inner = torch.NewDisposeScope();
                long len = chunked ? Math.Min(ChunkElements, n - start) : n;
                Tensor Part(Tensor t) => chunked ? t.view(-1).narrow(0, start, len) : t;
                var (pc, gc, mc, vc, tc) = (Part(p), Part(g), Part(m), Part(v), Part(target));
                if (master is not null) gc = gc.to(ScalarType.Float32);
                if (wd != 0) tc.mul_(1 - lr * wd);
                mc.mul_(b1).add_(gc, alpha: 1 - b1);
                vc.mul_(b2).addcmul_(gc, gc, value: 1 - b2);
                var denom = vc.sqrt().div_(Math.Sqrt(bias2)).add_(eps);
                tc.addcdiv_(mc, denom, value: -lr / bias1);
                if (master is not null) pc.copy_(tc);
            }
        }
    }

    /// <summary>
    /// A parameter larger than this is updated in slices of this many elements (views of the contiguous tensors), so
    /// the float32 temporaries of one update (the gradient's float32 copy, the denominator) are one slice each instead
    /// of two float32 copies of the whole tensor (Qwen3's 155 M-element tied embedding). Element-wise: the same result.
    /// </summary>
    public const long ChunkElements = 1L << 22;

    /// <summary>The optimizer state as named tensors (for a checkpoint): exp_avg.NAME and exp_avg_sq.NAME.</summary>
    public IReadOnlyDictionary<string, Tensor> StateTensors()
    {
        var d = new SortedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, (m, v)) in _state) { d["exp_avg." + name] = m; d["exp_avg_sq." + name] = v; }
        foreach (var (name, w) in _master) d["master." + name] = w;
        return d;
    }

    /// <summary>Restores moments and step count saved by <see cref="StateTensors"/>; every tensor must be present.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> tensors, long step, string source)
    {
        using var _ = torch.no_grad();
        foreach (var (name, (m, v)) in _state)
        {
            Copy(m, "exp_avg." + name);
            Copy(v, "exp_avg_sq." + name);
        }
        foreach (var (name, w) in _master) Copy(w, "master." + name);
        Step = step;

        void Copy(Tensor into, string key)
        {
            if (!tensors.TryGetValue(key, out var t)) throw ReproException.ForFile(source, $"optimizer state lacks tensor '{key}'");
            if (!t.shape.SequenceEqual(into.shape)) throw ReproException.ForFile(source, $"optimizer tensor '{key}' has shape [{string.Join(",", t.shape)}], expected [{string.Join(",", into.shape)}]");
            into.copy_(t.to(into.dtype));
        }
    }

    public void Dispose()
    {
        foreach (var (m, v) in _state.Values) { m.Dispose(); v.Dispose(); }
        foreach (var w in _master.Values) w.Dispose();
        _state.Clear();
        _master.Clear();
    }
}
