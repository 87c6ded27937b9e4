namespace Reproduction.Theory;

/// <summary>
/// The closed-form maximiser of J_β (Eq. 8 / Eq. 12): p*(y|x) = π_ref(y|x)·exp(r(x,y)/β) / Z_β(x),
/// with Z_β(x) = E_{y~π_ref(·|x)} exp(r(x,y)/β), all in log space.
/// </summary>
public static class GibbsOptimum
{
    /// <summary>β·E_q log Z_β: the value J_β(p*) of the optimum (§3.3).</summary>
    public static double OptimalValue(PromptDistribution q, TabularPolicy refPolicy, RewardTable r, double beta) =>
        beta * q.Expect(x => LogZ(refPolicy, r, beta, x));

    /// <summary>log Z_β(x) = log Σ_y π_ref(y|x)·exp(r(x,y)/β) (log-sum-exp over supp π_ref).</summary>
    public static double LogZ(TabularPolicy refPolicy, RewardTable r, double beta, int x)
    {
        CheckBeta(beta);
        var terms = new double[refPolicy.Responses];
        for (int y = 0; y < terms.Length; y++) terms[y] = refPolicy.Log(x, y) + r[x, y] / beta;
        return LogSpace.LogSumExp(terms);
    }

    /// <summary>Z_β(x) itself (may overflow for small β; use <see cref="LogZ"/> in computations).</summary>
    public static double Z(TabularPolicy refPolicy, RewardTable r, double beta, int x) => Math.Exp(LogZ(refPolicy, r, beta, x));

    /// <summary>p* = π_ref·e^{r/β}/Z_β (Eq. 8/12). Prompts outside supp q are treated the same way (the formula is per prompt).</summary>
    public static TabularPolicy Optimum(TabularPolicy refPolicy, RewardTable r, double beta)
    {
        var logits = new double[refPolicy.Prompts][];
        for (int x = 0; x < logits.Length; x++)
        {
            var logZ = LogZ(refPolicy, r, beta, x);
            logits[x] = new double[refPolicy.Responses];
            for (int y = 0; y < refPolicy.Responses; y++) logits[x][y] = refPolicy.Log(x, y) + r[x, y] / beta - logZ; // Eq. (12) in log form
        }
        return TabularPolicy.FromLogits(logits);
    }

    /// <summary>The β → 0 limit of p* (§3.3): π_ref renormalised on argmax_{supp π_ref} r(x,·).</summary>
    public static TabularPolicy ZeroTemperatureLimit(TabularPolicy refPolicy, RewardTable r)
    {
        var logits = new double[refPolicy.Prompts][];
        for (int x = 0; x < logits.Length; x++)
        {
            var (max, _) = r.RangeOn(x, refPolicy);
            logits[x] = new double[refPolicy.Responses];
            for (int y = 0; y < refPolicy.Responses; y++)
                logits[x][y] = refPolicy.InSupport(x, y) && r[x, y] == max ? refPolicy.Log(x, y) : double.NegativeInfinity;
        }
        return TabularPolicy.FromLogits(logits);
    }

    internal static void CheckBeta(double beta)
    {
        if (!(beta > 0) || double.IsInfinity(beta)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "β must be finite and > 0");
    }
}
