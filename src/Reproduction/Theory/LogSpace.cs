namespace Reproduction.Theory;

/// <summary>Log-space helpers with the conventions of paper.md §3.0: 0·log 0 = 0, log 0 = −∞.</summary>
public static class LogSpace
{
    /// <summary>log Σ exp(v_i), stable for large |v_i|; −∞ when every v_i is −∞ (an empty support).</summary>
    public static double LogSumExp(ReadOnlySpan<double> v)
    {
        double max = double.NegativeInfinity;
        foreach (var x in v) if (x > max) max = x;
        if (double.IsNegativeInfinity(max)) return double.NegativeInfinity;
        if (double.IsPositiveInfinity(max)) return double.PositiveInfinity;
        double s = 0;
        foreach (var x in v) s += Math.Exp(x - max);
        return max + Math.Log(s);
    }

    /// <summary>p·log p with 0·log 0 = 0.</summary>
    public static double XLogX(double p) => p == 0 ? 0 : p * Math.Log(p);

    /// <summary>Safe log: log 0 = −∞ (Math.Log already does this; named for intent).</summary>
    public static double Log(double p) => p <= 0 ? double.NegativeInfinity : Math.Log(p);
}
