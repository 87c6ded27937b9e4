namespace Reproduction.Theory;

/// <summary>
/// Theorem 3.1 (SFT-then-RL): π_ref = p⁽¹⁾ (the SFT checkpoint), p⁽²⁾ = p* (Eq. 12), and
/// C1(β) = L(p⁽²⁾) − L(p⁽¹⁾) (Eq. 11). Computed directly, by the proof's formula (Eq. 13), and by the derived forms of §3.4.
/// </summary>
public static class SftThenRlCoupling
{
    /// <summary>p⁽²⁾: the RL optimum with the SFT checkpoint as reference (Eq. 12).</summary>
    public static TabularPolicy RlCheckpoint(TabularPolicy sftCheckpoint, RewardTable r, double beta) =>
        GibbsOptimum.Optimum(sftCheckpoint, r, beta);

    /// <summary>C1 = L(p⁽²⁾) − L(p⁽¹⁾) computed from the two losses (Eq. 11). Undefined (∞ − ∞) if p⁽¹⁾ misses a data response.</summary>
    public static double C1Direct(PromptDistribution q, TabularPolicy data, TabularPolicy sftCheckpoint, RewardTable r, double beta)
    {
        RequireDataSupport(q, data, sftCheckpoint);
        var p2 = RlCheckpoint(sftCheckpoint, r, beta);
        return SftLoss.Expected(q, data, p2) - SftLoss.Expected(q, data, sftCheckpoint);
    }

    /// <summary>C1(β) = E_q[log Z_β(x) − (1/β)·E_{p_D(·|x)} r(x,y)] (Eq. 13), Z_β taken under π_ref = p⁽¹⁾.</summary>
    public static double C1Formula(PromptDistribution q, TabularPolicy data, TabularPolicy sftCheckpoint, RewardTable r, double beta)
    {
        RequireDataSupport(q, data, sftCheckpoint);
        return q.Expect(x => GibbsOptimum.LogZ(sftCheckpoint, r, beta, x) - RewardObjective.PerPrompt(data, r, x) / beta);
    }

    /// <summary>C1 = E_q[D_KL(p_D‖p⁽²⁾) − D_KL(p_D‖p⁽¹⁾)] (§3.4(b), derived; any p⁽¹⁾ covering supp p_D).</summary>
    public static double C1AsKlDifference(PromptDistribution q, TabularPolicy data, TabularPolicy sftCheckpoint, RewardTable r, double beta)
    {
        RequireDataSupport(q, data, sftCheckpoint);
        var p2 = RlCheckpoint(sftCheckpoint, r, beta);
        return q.Expect(x => Divergence.Kl(data, p2, x) - Divergence.Kl(data, sftCheckpoint, x));
    }

    /// <summary>The Hoeffding-lemma bound E_q[(max_supp r − min_supp r)²]/(8β²) on C1 under (10) (§3.4(e)); supp = supp p_D(·|x).</summary>
    public static double HoeffdingBound(PromptDistribution q, TabularPolicy data, RewardTable r, double beta) =>
        q.Expect(x => { var (max, min) = r.RangeOn(x, data); return (max - min) * (max - min); }) / (8 * beta * beta);

    /// <summary>The cruder bound R_max²/(2β²) (range ≤ 2R_max).</summary>
    public static double RMaxBound(RewardTable r, double beta) => r.RMax * r.RMax / (2 * beta * beta);

    /// <summary>β → ∞ asymptote under (10): C1 ≈ E_q Var_{p_D}(r)/(2β²) (§3.4(g)).</summary>
    public static double LargeBetaAsymptote(PromptDistribution q, TabularPolicy data, RewardTable r, double beta) =>
        q.Expect(x =>
        {
            var mean = RewardObjective.PerPrompt(data, r, x);
            double v = 0;
            for (int y = 0; y < data.Responses; y++) if (data.InSupport(x, y)) v += data[x, y] * (r[x, y] - mean) * (r[x, y] - mean);
            return v;
        }) / (2 * beta * beta);

    /// <summary>β → 0 asymptote under (10): C1 ≈ E_q[(max_supp r − E_{p_D} r)/β + log p_D(argmax)] (§3.4(g)).</summary>
    public static double SmallBetaAsymptote(PromptDistribution q, TabularPolicy data, RewardTable r, double beta) =>
        q.Expect(x =>
        {
            var (max, _) = r.RangeOn(x, data);
            double massOnArgmax = 0;
            for (int y = 0; y < data.Responses; y++) if (data.InSupport(x, y) && r[x, y] == max) massOnArgmax += data[x, y];
            return (max - RewardObjective.PerPrompt(data, r, x)) / beta + Math.Log(massOnArgmax);
        });

    /// <summary>
    /// A rigorous bound on |C1 − small-β asymptote| under (10): E_q[p_D(off)/p_D(argmax)·e^{−Δ/β}] with Δ the gap between
    /// the best and second-best reward on the support (log(1+u) ≤ u).
    /// </summary>
    public static double SmallBetaRemainderBound(PromptDistribution q, TabularPolicy data, RewardTable r, double beta) =>
        q.Expect(x =>
        {
            var (max, _) = r.RangeOn(x, data);
            double on = 0, off = 0, second = double.NegativeInfinity;
            for (int y = 0; y < data.Responses; y++)
            {
                if (!data.InSupport(x, y)) continue;
                if (r[x, y] == max) on += data[x, y];
                else { off += data[x, y]; second = Math.Max(second, r[x, y]); }
            }
            return off == 0 ? 0 : off / on * Math.Exp(-(max - second) / beta);
        });

    /// <summary>Per-prompt reward gain under (10): J_x(p⁽²⁾) − J_x(p⁽¹⁾) = β·[KL(p⁽¹⁾‖p⁽²⁾) + KL(p⁽²⁾‖p⁽¹⁾)] (§3.4(d)).</summary>
    public static double RewardGainAsJeffreys(TabularPolicy sftCheckpoint, TabularPolicy rlCheckpoint, double beta, int x) =>
        beta * Divergence.Jeffreys(sftCheckpoint, rlCheckpoint, x);

    /// <summary>Throws if p⁽¹⁾ assigns zero to a data response of a prompt with q(x) &gt; 0: both losses are +∞ and C1 is undefined (§3.4(h)).</summary>
    public static void RequireDataSupport(PromptDistribution q, TabularPolicy data, TabularPolicy sftCheckpoint)
    {
        foreach (var x in q.Support)
            for (int y = 0; y < data.Responses; y++)
                if (data.InSupport(x, y) && !sftCheckpoint.InSupport(x, y))
                    throw new ArgumentException($"SFT checkpoint has p(y={y}|x={x}) = 0 on the data support: both SFT losses are +∞, C1 is undefined");
    }
}
