namespace Reproduction.Theory;

/// <summary>TV, KL and Jeffreys divergences on finite alphabets (paper.md §1.2), per prompt and averaged over q.</summary>
public static class Divergence
{
    /// <summary>TV(p,q) = ½‖p − q‖₁ (Eq. 3).</summary>
    public static double TotalVariation(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        double s = 0;
        for (int i = 0; i < p.Length; i++) s += Math.Abs(p[i] - q[i]);
        return 0.5 * s;
    }

    /// <summary>D_KL(p‖q) = Σ p log(p/q) from exact log-probabilities: 0·log 0 = 0, +∞ when p puts mass off supp q.</summary>
    public static double Kl(ReadOnlySpan<double> p, ReadOnlySpan<double> logP, ReadOnlySpan<double> logQ)
    {
        double s = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (double.IsNegativeInfinity(logP[i])) continue;
            if (double.IsNegativeInfinity(logQ[i])) return double.PositiveInfinity;
            s += p[i] * (logP[i] - logQ[i]);
        }
        return Math.Max(0, s); // KL ≥ 0; a negative value is rounding (|s| ~ 1e-17) and would break √ in Pinsker/Prop. 1.
    }

    /// <summary>D_KL(p‖q) for explicit probability vectors.</summary>
    public static double Kl(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        var logP = new double[p.Length];
        var logQ = new double[q.Length];
        for (int i = 0; i < p.Length; i++) { logP[i] = LogSpace.Log(p[i]); logQ[i] = LogSpace.Log(q[i]); }
        return Kl(p, logP, logQ);
    }

    /// <summary>D_KL(a(·|x) ‖ b(·|x)).</summary>
    public static double Kl(TabularPolicy a, TabularPolicy b, int x) => Kl(a.Row(x), a.LogRow(x), b.LogRow(x));

    /// <summary>E_{x~q} D_KL(a(·|x) ‖ b(·|x)) (the quantity bounded by B in Eq. 14 and by [a,A] in Eq. 19).</summary>
    public static double ExpectedKl(PromptDistribution q, TabularPolicy a, TabularPolicy b) => q.Expect(x => Kl(a, b, x));

    /// <summary>Jeffreys divergence D_KL(a‖b) + D_KL(b‖a) (the reward gain of Theorem 3.1(d) is β times it).</summary>
    public static double Jeffreys(TabularPolicy a, TabularPolicy b, int x) => Kl(a, b, x) + Kl(b, a, x);

    /// <summary>TV(a(·|x), b(·|x)).</summary>
    public static double TotalVariation(TabularPolicy a, TabularPolicy b, int x) => TotalVariation(a.Row(x), b.Row(x));
}
