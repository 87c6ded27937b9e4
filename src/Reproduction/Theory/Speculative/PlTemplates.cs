namespace Reproduction.Theory.Speculative;

/// <summary>
/// [SPECULATIVE] Templates for the v2 results whose statements are unknown (paper.md §3.7). These are standard facts
/// under their stated hypotheses (Polyak–Łojasiewicz, smoothness); they are NOT the paper's formulas or constants.
/// </summary>
public static class PlTemplates
{
    /// <summary>Template 1: the empirical PL constant along a trajectory, μ̂ = min_k ‖∇J_k‖² / (2(J* − J_k)) over gaps above <paramref name="floor"/>.</summary>
    public static double EmpiricalPlConstant(IReadOnlyList<(double GradNormSquared, double Gap)> trajectory, double floor) =>
        trajectory.Where(t => t.Gap > floor).Select(t => t.GradNormSquared / (2 * t.Gap)).DefaultIfEmpty(double.PositiveInfinity).Min();

    /// <summary>Template 1: the linear-rate envelope g_k ≤ (1 − ημ)^k·g_0 implied by sufficient increase g_{k+1} ≤ g_k − (η/2)‖∇J_k‖² and PL.</summary>
    public static double LinearRateEnvelope(double g0, double eta, double mu, int k) => Math.Pow(Math.Max(0, 1 - eta * mu), k) * g0;

    /// <summary>
    /// Template 2: the smoothness constant of the tabular SFT loss in logits, ℓ = max_x q(x)/2
    /// (the Hessian is ⊕_x q(x)(diag π − ππᵀ) and a categorical covariance has largest eigenvalue ≤ 1/2).
    /// </summary>
    public static double SftSmoothness(PromptDistribution q) => q.Values.ToArray().Max() / 2;

    /// <summary>Template 3: Φ(t) = g0(1 − e^{−2μt}) − λℓG²t²/2 (reward gained minus weighted SFT damage).</summary>
    public static double DurationObjective(double t, double g0, double mu, double lambda, double ell, double g) =>
        g0 * (1 - Math.Exp(-2 * mu * t)) - lambda * ell * g * g * t * t / 2;

    /// <summary>Template 3: t* = W(4μ²g0/(λℓG²))/(2μ), the stationary point of Φ.</summary>
    public static double OptimalDuration(double g0, double mu, double lambda, double ell, double g) =>
        LambertW(4 * mu * mu * g0 / (lambda * ell * g * g)) / (2 * mu);

    /// <summary>Principal branch W₀(z) for z ≥ 0 (Halley iteration): W e^W = z.</summary>
    public static double LambertW(double z)
    {
        if (z < 0 || double.IsNaN(z)) throw new ArgumentOutOfRangeException(nameof(z), "only z ≥ 0 is needed here");
        if (z == 0) return 0;
        double w = z < 1 ? z : Math.Log(z) - Math.Log(Math.Log(z) + 1);
        if (w <= 0 && z >= 1) w = 0.5;
        for (int i = 0; i < 100; i++)
        {
            var ew = Math.Exp(w);
            var f = w * ew - z;
            var wNew = w - f / (ew * (w + 1) - (w + 2) * f / (2 * w + 2));
            if (Math.Abs(wNew - w) <= 1e-15 * (1 + Math.Abs(wNew))) return wNew;
            w = wNew;
        }
        return w;
    }
}
