namespace Reproduction.Theory;

/// <summary>
/// Proposition 1 and Theorem 4.1 (RL-then-SFT): p₁ = p⁽¹⁾_RL, p₂ = p⁽²⁾_SFT. The bound of Eq. (15), the corrected exact
/// statements of §3.5 [derived], and the KL-growth condition that the proof of Theorem 4.1 needs but does not assume.
/// </summary>
public static class RlThenSftCoupling
{
    /// <summary>R_max·√(2B) (Eq. 15), B = E_q D_KL(p₂‖p₁) (Eq. 14).</summary>
    public static double Proposition1Bound(double rMax, double budget) => rMax * Math.Sqrt(2 * budget);

    /// <summary>J(p₂) − J(p₁).</summary>
    public static double RewardChange(PromptDistribution q, TabularPolicy p1, TabularPolicy p2, RewardTable r) =>
        RewardObjective.J(q, p2, r) - RewardObjective.J(q, p1, r);

    /// <summary>β·E_q D_KL(p₂‖p₁): the exact drop J_β(p₁) − J_β(p₂) when p₁ = p* (§3.5 corrected statement).</summary>
    public static double RegularisedDrop(PromptDistribution q, TabularPolicy p1, TabularPolicy p2, double beta) =>
        beta * Divergence.ExpectedKl(q, p2, p1);

    /// <summary>
    /// The exact decomposition for p₁ = p* (§3.5):
    /// J(p₂) − J(p₁) = β·E_q[D_KL(p₂‖π_ref) − D_KL(p₁‖π_ref)] − β·E_q D_KL(p₂‖p₁).
    /// </summary>
    public static double RewardChangeDecomposition(PromptDistribution q, TabularPolicy p1, TabularPolicy p2, TabularPolicy refPolicy, double beta) =>
        beta * q.Expect(x => Divergence.Kl(p2, refPolicy, x) - Divergence.Kl(p1, refPolicy, x))
        - beta * Divergence.ExpectedKl(q, p2, p1);

    /// <summary>
    /// The largest λ for which the KL-growth condition J(π) ≤ J(p₁) − λ·E_q D_KL(π‖p₁) holds on every candidate with
    /// 0 &lt; E_q D_KL(π‖p₁) ≤ A (proof of Theorem 4.1, step 1). +∞ if no candidate lies in that ball; ≤ 0 means it fails.
    /// </summary>
    public static double KlGrowthLambda(PromptDistribution q, TabularPolicy p1, RewardTable r, IEnumerable<TabularPolicy> candidates, double radiusA)
    {
        double lambda = double.PositiveInfinity;
        var j1 = RewardObjective.J(q, p1, r);
        foreach (var pi in candidates)
        {
            var kl = Divergence.ExpectedKl(q, pi, p1);
            if (!(kl > 0) || kl > radiusA) continue;
            lambda = Math.Min(lambda, (j1 - RewardObjective.J(q, pi, r)) / kl);
        }
        return lambda;
    }
}
