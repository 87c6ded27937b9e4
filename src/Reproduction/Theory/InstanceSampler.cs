namespace Reproduction.Theory;

/// <summary>The reward families of paper.md §3.6.</summary>
public enum RewardKind { BinaryPlusMinusOne, Uniform, Constant, ConstantOnDataSupport }

/// <summary>
/// Seeded random tabular instances (paper.md §3.6): Dirichlet(α) simplex points for α ∈ {0.1, 1, 10}, reward families,
/// log-uniform β, point masses, argmax-supported data, under-fitted mixtures, and q with zeros. The CLI checks and the
/// FsCheck generators both draw from here, so the two exercise the same instances. Deterministic for a given seed.
/// </summary>
public sealed class InstanceSampler(int seed)
{
    private readonly Random _rng = new(seed);

    public static readonly double[] Alphas = [0.1, 1.0, 10.0];

    public double Uniform(double lo, double hi) => lo + (hi - lo) * _rng.NextDouble();
    public int Int(int lo, int hiInclusive) => _rng.Next(lo, hiInclusive + 1);
    public bool Bernoulli(double p) => _rng.NextDouble() < p;
    public T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    /// <summary>β log-uniform on [lo, hi] (default [1e-2, 1e2], §3.6).</summary>
    public double Beta(double lo = 1e-2, double hi = 1e2) => Math.Exp(Uniform(Math.Log(lo), Math.Log(hi)));

    /// <summary>A Dirichlet(α,…,α) point, floored at 1e-300 relative so every entry stays strictly positive.</summary>
    public double[] Simplex(int n, double alpha)
    {
        var g = new double[n];
        for (int i = 0; i < n; i++) g[i] = Math.Max(Gamma(alpha), 1e-300);
        var s = g.Sum();
        return g.Select(v => v / s).ToArray();
    }

    /// <summary>A simplex point with support exactly <paramref name="support"/> (zeros elsewhere).</summary>
    public double[] SimplexOn(int n, IReadOnlyCollection<int> support, double alpha)
    {
        var inner = Simplex(support.Count, alpha);
        var p = new double[n];
        int k = 0;
        foreach (var i in support.OrderBy(i => i)) p[i] = inner[k++];
        return p;
    }

    /// <summary>A random non-empty subset of 0..n-1.</summary>
    public int[] Subset(int n, double keep = 0.6)
    {
        var s = Enumerable.Range(0, n).Where(_ => Bernoulli(keep)).ToList();
        if (s.Count == 0) s.Add(_rng.Next(n));
        return s.ToArray();
    }

    public PromptDistribution Prompts(int n, double alpha, bool allowZeros)
    {
        if (!allowZeros || n == 1) return new PromptDistribution(Simplex(n, alpha));
        return new PromptDistribution(SimplexOn(n, Subset(n), alpha));
    }

    /// <summary>A policy with full support; rows Dirichlet(α).</summary>
    public TabularPolicy Policy(int prompts, int responses, double alpha) =>
        TabularPolicy.FromProbabilities(Enumerable.Range(0, prompts).Select(_ => Simplex(responses, alpha)).ToArray());

    /// <summary>A policy whose rows have random (non-empty) supports.</summary>
    public TabularPolicy SparsePolicy(int prompts, int responses, double alpha) =>
        TabularPolicy.FromProbabilities(Enumerable.Range(0, prompts).Select(_ => SimplexOn(responses, Subset(responses), alpha)).ToArray());

    /// <summary>Point-mass data: one response per prompt (CoLA-like, one correct label).</summary>
    public TabularPolicy PointMass(int prompts, int responses) =>
        TabularPolicy.FromProbabilities(Enumerable.Range(0, prompts)
            .Select(_ => { var y = _rng.Next(responses); return Enumerable.Range(0, responses).Select(i => i == y ? 1.0 : 0.0).ToArray(); }).ToArray());

    /// <summary>A reward table of the given family with |r| ≤ rMax. ConstantOnDataSupport needs the data distribution.</summary>
    public RewardTable Rewards(int prompts, int responses, RewardKind kind, double rMax = 1.0, TabularPolicy? data = null)
    {
        var r = new double[prompts][];
        for (int x = 0; x < prompts; x++)
        {
            var c = Uniform(-rMax, rMax);
            r[x] = new double[responses];
            for (int y = 0; y < responses; y++)
                r[x][y] = kind switch
                {
                    RewardKind.BinaryPlusMinusOne => Bernoulli(0.5) ? rMax : -rMax,
                    RewardKind.Uniform => Uniform(-rMax, rMax),
                    RewardKind.Constant => c,
                    RewardKind.ConstantOnDataSupport => data is null
                        ? throw new ArgumentException("ConstantOnDataSupport needs the data distribution")
                        : data.InSupport(x, y) ? c : Uniform(-rMax, rMax),
                    _ => throw new ArgumentOutOfRangeException(nameof(kind)),
                };
        }
        return new RewardTable(r);
    }

    /// <summary>Rewards whose values on the support of data differ pairwise by at least minGap (non-constant on supports of size ≥ 2).</summary>
    public RewardTable SeparatedRewards(int prompts, int responses, double minGap, double rMax = 1.0)
    {
        var r = new double[prompts][];
        for (int x = 0; x < prompts; x++)
        {
            var levels = Enumerable.Range(0, responses).Select(i => -rMax + i * minGap).ToArray();
            r[x] = levels.OrderBy(_ => _rng.Next()).Select(v => Math.Min(v, rMax)).ToArray();
        }
        return new RewardTable(r);
    }

    /// <summary>Data supported only on argmax_y r(x,y) (random weights over ties).</summary>
    public TabularPolicy DataOnArgmax(RewardTable r, double alpha)
    {
        var rows = new double[r.Prompts][];
        for (int x = 0; x < r.Prompts; x++)
        {
            double max = double.NegativeInfinity;
            for (int y = 0; y < r.Responses; y++) max = Math.Max(max, r[x, y]);
            var argmax = Enumerable.Range(0, r.Responses).Where(y => r[x, y] == max).ToArray();
            rows[x] = SimplexOn(r.Responses, argmax, alpha);
        }
        return TabularPolicy.FromProbabilities(rows);
    }

    /// <summary>
    /// A random tabular autoregressive model: next-symbol logits N(0, scale²), each non-EOS logit −∞ with probability
    /// <paramref name="zeroProbability"/> (zero-probability tokens); EOS logits stay finite so every table has support.
    /// </summary>
    public AutoregressiveModel Autoregressive(int prompts, int vocabulary, int maxLength, double scale, double zeroProbability) =>
        new(prompts, vocabulary, maxLength, (_, _) =>
            Enumerable.Range(0, vocabulary + 1)
                .Select(v => v < vocabulary && Bernoulli(zeroProbability) ? double.NegativeInfinity : scale * Normal())
                .ToArray());

    /// <summary>A sample from a categorical distribution.</summary>
    public int Categorical(ReadOnlySpan<double> p)
    {
        var u = _rng.NextDouble();
        double c = 0;
        int last = -1;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] <= 0) continue;
            last = i;
            c += p[i];
            if (u < c) return i;
        }
        return last; // u ≥ Σp through rounding: the last supported index
    }

    /// <summary>Gamma(α, 1) by Marsaglia–Tsang (α &lt; 1 through the boost Gamma(α+1)·U^{1/α}).</summary>
    private double Gamma(double alpha)
    {
        if (alpha < 1) return Gamma(alpha + 1) * Math.Pow(_rng.NextDouble(), 1 / alpha);
        var d = alpha - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double z, v;
            do { z = Normal(); v = 1 + c * z; } while (v <= 0);
            v = v * v * v;
            var u = _rng.NextDouble();
            if (Math.Log(u) < 0.5 * z * z + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    /// <summary>A standard normal variate (Box–Muller).</summary>
    public double Normal()
    {
        var u1 = 1.0 - _rng.NextDouble();
        var u2 = _rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
