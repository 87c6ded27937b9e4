namespace Reproduction.Theory;

/// <summary>
/// The change-of-measure bound behind Proposition 1, step 1: |E_p f − E_q f| ≤ 2·sup|f|·TV(p,q) (Eq. 16's constant).
/// Eq. (5) as printed drops the factor 2 and is false (paper.md §1.2, A11).
/// </summary>
public static class ExpectationBound
{
    public static double Expectation(ReadOnlySpan<double> p, ReadOnlySpan<double> f)
    {
        double s = 0;
        for (int i = 0; i < p.Length; i++) if (p[i] != 0) s += p[i] * f[i];
        return s;
    }

    public static double SupNorm(ReadOnlySpan<double> f)
    {
        double m = 0;
        foreach (var v in f) m = Math.Max(m, Math.Abs(v));
        return m;
    }

    /// <summary>|E_p f − E_q f|.</summary>
    public static double Gap(ReadOnlySpan<double> p, ReadOnlySpan<double> q, ReadOnlySpan<double> f) =>
        Math.Abs(Expectation(p, f) - Expectation(q, f));

    /// <summary>The correct right side 2·sup|f|·TV(p,q) (Eq. 16 with TV = ½‖·‖₁, Eq. 3).</summary>
    public static double Correct(ReadOnlySpan<double> p, ReadOnlySpan<double> q, ReadOnlySpan<double> f) =>
        2 * SupNorm(f) * Divergence.TotalVariation(p, q);

    /// <summary>The right side of Eq. (5) exactly as printed: sup|f|·TV(p,q). Not a valid bound.</summary>
    public static double AsPrintedInEq5(ReadOnlySpan<double> p, ReadOnlySpan<double> q, ReadOnlySpan<double> f) =>
        SupNorm(f) * Divergence.TotalVariation(p, q);

    /// <summary>The maximiser f = c·sign(p − q) that makes the correct bound an equality (§3.2 tightness).</summary>
    public static double[] Extremal(ReadOnlySpan<double> p, ReadOnlySpan<double> q, double c)
    {
        var f = new double[p.Length];
        for (int i = 0; i < p.Length; i++) f[i] = p[i] > q[i] ? c : -c;
        return f;
    }
}
