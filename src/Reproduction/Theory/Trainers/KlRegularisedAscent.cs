namespace Reproduction.Theory.Trainers;

/// <summary>
/// Exact gradient ascent on J_β in logit space from θ = log π_ref (§3.0 "trained" version of Eq. 8): converges to p*.
/// </summary>
public static class KlRegularisedAscent
{
    /// <summary>Runs the ascent; <paramref name="observe"/> sees (iteration, policy) before every step and after the last.</summary>
    public static TabularPolicy Run(PromptDistribution q, TabularPolicy refPolicy, RewardTable r, double beta, GradientOptions options,
        Action<int, TabularPolicy>? observe = null)
    {
        GibbsOptimum.CheckBeta(beta);
        var theta = refPolicy.Logits();
        var pi = refPolicy;
        for (int k = 0; k < options.Iterations; k++)
        {
            observe?.Invoke(k, pi);
            theta = LogitGradients.Step(theta, LogitGradients.JBeta(q, pi, r, beta, refPolicy), options.StepSize);
            pi = TabularPolicy.FromLogits(theta);
        }
        observe?.Invoke(options.Iterations, pi);
        return pi;
    }
}
