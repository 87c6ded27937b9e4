namespace Reproduction.Theory;

/// <summary>The expected reward J(π) (Eq. 18) and the KL-regularised RL objective J_β (§1.3, unnumbered, before Eq. 8).</summary>
public static class RewardObjective
{
    /// <summary>J_x(π) = E_{y~π(·|x)} r(x,y).</summary>
    public static double PerPrompt(TabularPolicy pi, RewardTable r, int x) => ExpectationBound.Expectation(pi.Row(x), r.Row(x));

    /// <summary>J(π) = E_{x~q, y~π(·|x)} r(x,y) (Eq. 18).</summary>
    public static double J(PromptDistribution q, TabularPolicy pi, RewardTable r) => q.Expect(x => PerPrompt(pi, r, x));

    /// <summary>J_β(π) = J(π) − β·E_q D_KL(π‖π_ref) (the RL objective J_RL; −∞ if π leaves supp π_ref).</summary>
    public static double JBeta(PromptDistribution q, TabularPolicy pi, RewardTable r, double beta, TabularPolicy refPolicy)
    {
        var kl = Divergence.ExpectedKl(q, pi, refPolicy);
        return double.IsPositiveInfinity(kl) ? double.NegativeInfinity : J(q, pi, r) - beta * kl;
    }
}
