namespace Reproduction.Theory;

/// <summary>
/// The SFT cross-entropy in its expectation form (Lemma 1 right side, §3.0):
/// L(p) = Σ_x q(x) Σ_y p_D(y|x)·(−log p(y|x)); +∞ when p misses a data response of a prompt with q(x) &gt; 0.
/// </summary>
public static class SftLoss
{
    public static double Expected(PromptDistribution q, TabularPolicy data, TabularPolicy p) =>
        q.Expect(x => PerPrompt(data, p, x));

    /// <summary>E_{y~p_D(·|x)}[−log p(y|x)].</summary>
    public static double PerPrompt(TabularPolicy data, TabularPolicy p, int x)
    {
        double s = 0;
        for (int y = 0; y < data.Responses; y++)
        {
            if (!data.InSupport(x, y)) continue;
            if (!p.InSupport(x, y)) return double.PositiveInfinity;
            s -= data[x, y] * p.Log(x, y);
        }
        return s;
    }

    /// <summary>The minimum over p: the conditional entropy E_q H(p_D(·|x)), attained at p = p_D (L(p) = H + E_q KL(p_D‖p)).</summary>
    public static double Minimum(PromptDistribution q, TabularPolicy data) => Expected(q, data, data);
}
