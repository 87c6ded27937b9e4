namespace Reproduction.Theory;

/// <summary>
/// A conditional distribution π(y|x) on finite prompt and response sets, stored as probabilities and exact
/// log-probabilities (−∞ off the support). Used for policies, the reference policy and the data distribution p_D(·|x).
/// Immutable.
/// </summary>
public sealed class TabularPolicy
{
    private readonly double[][] _p;
    private readonly double[][] _logP;

    private TabularPolicy(double[][] p, double[][] logP)
    {
        _p = p;
        _logP = logP;
    }

    public int Prompts => _p.Length;
    public int Responses => _p[0].Length;
    public double this[int x, int y] => _p[x][y];
    public double Log(int x, int y) => _logP[x][y];
    public ReadOnlySpan<double> Row(int x) => _p[x];
    public ReadOnlySpan<double> LogRow(int x) => _logP[x];

    /// <summary>y is in supp π(·|x) (decided on the exact log-probability, not on an underflowed probability).</summary>
    public bool InSupport(int x, int y) => !double.IsNegativeInfinity(_logP[x][y]);

    /// <summary>From an explicit probability table (zeros allowed). Rows must be non-negative and sum to 1.</summary>
    public static TabularPolicy FromProbabilities(double[][] p)
    {
        CheckRectangle(p);
        var copy = new double[p.Length][];
        var logs = new double[p.Length][];
        for (int x = 0; x < p.Length; x++)
        {
            if (p[x].Any(v => !(v >= 0) || double.IsInfinity(v))) throw new ArgumentException($"row {x} has a negative or non-finite probability");
            var sum = p[x].Sum();
            if (Math.Abs(sum - 1) > Tolerances.Normalisation) throw new ArgumentException($"row {x} sums to {sum}, not 1");
            copy[x] = (double[])p[x].Clone();
            logs[x] = copy[x].Select(LogSpace.Log).ToArray();
        }
        return new TabularPolicy(copy, logs);
    }

    /// <summary>π(·|x) = softmax(θ[x]) (§3.0), computed in log space; −∞ logits give exact zeros.</summary>
    public static TabularPolicy FromLogits(double[][] logits)
    {
        CheckRectangle(logits);
        var p = new double[logits.Length][];
        var logs = new double[logits.Length][];
        for (int x = 0; x < logits.Length; x++)
        {
            if (logits[x].Any(v => double.IsNaN(v) || double.IsPositiveInfinity(v))) throw new ArgumentException($"row {x} has a NaN or +∞ logit");
            var lse = LogSpace.LogSumExp(logits[x]);
            if (double.IsNegativeInfinity(lse)) throw new ArgumentException($"row {x} has no finite logit (empty support)");
            logs[x] = logits[x].Select(v => v - lse).ToArray();
            p[x] = logs[x].Select(Math.Exp).ToArray();
        }
        return new TabularPolicy(p, logs);
    }

    public static TabularPolicy Uniform(int prompts, int responses) =>
        FromLogits(Enumerable.Range(0, prompts).Select(_ => new double[responses]).ToArray());

    /// <summary>The logits log π (a valid θ for softmax; −∞ off the support).</summary>
    public double[][] Logits() => _logP.Select(row => (double[])row.Clone()).ToArray();

    public double[][] Probabilities() => _p.Select(row => (double[])row.Clone()).ToArray();

    /// <summary>(1−ε)·this + ε·other, row by row (e.g. the under-fitted SFT checkpoint (1−ε)p_D + ε·unif of §3.4(h)).</summary>
    public TabularPolicy MixWith(TabularPolicy other, double epsilon)
    {
        if (other.Prompts != Prompts || other.Responses != Responses) throw new ArgumentException("shape mismatch");
        var mixed = new double[Prompts][];
        for (int x = 0; x < Prompts; x++)
        {
            mixed[x] = new double[Responses];
            for (int y = 0; y < Responses; y++) mixed[x][y] = (1 - epsilon) * _p[x][y] + epsilon * other._p[x][y];
            var s = mixed[x].Sum();
            for (int y = 0; y < Responses; y++) mixed[x][y] /= s;
        }
        return FromProbabilities(mixed);
    }

    public override string ToString() =>
        "[" + string.Join("; ", _p.Select(row => "(" + string.Join(", ", row.Select(v => v.ToString("G6"))) + ")")) + "]";

    private static void CheckRectangle(double[][] t)
    {
        if (t.Length == 0 || t[0].Length == 0 || t.Any(row => row.Length != t[0].Length))
            throw new ArgumentException("table must be a non-empty rectangle");
    }
}
