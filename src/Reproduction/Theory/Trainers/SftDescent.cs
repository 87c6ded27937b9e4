namespace Reproduction.Theory.Trainers;

/// <summary>SFT as exact gradient descent on L(θ) = E_q E_{p_D}[−log softmax(θ[x])_y] from a starting policy.</summary>
public static class SftDescent
{
    public static TabularPolicy Run(PromptDistribution q, TabularPolicy data, TabularPolicy start, GradientOptions options,
        Action<int, TabularPolicy>? observe = null)
    {
        var theta = start.Logits();
        var pi = start;
        for (int k = 0; k < options.Iterations; k++)
        {
            observe?.Invoke(k, pi);
            theta = LogitGradients.Step(theta, LogitGradients.Sft(q, data, pi), -options.StepSize);
            pi = TabularPolicy.FromLogits(theta);
        }
        observe?.Invoke(options.Iterations, pi);
        return pi;
    }
}
