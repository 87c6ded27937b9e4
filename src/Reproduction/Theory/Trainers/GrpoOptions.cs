namespace Reproduction.Theory.Trainers;

/// <summary>
/// Tabular GRPO settings. Each step samples <see cref="PromptsPerStep"/> prompts from q and a group of
/// <see cref="GroupSize"/> responses per prompt from the current (old) policy, then takes <see cref="InnerEpochs"/>
/// exact-gradient steps on the clipped surrogate with group-normalised advantages minus <see cref="KlCoefficient"/>·k3.
/// </summary>
public sealed record GrpoOptions(
    int Steps,
    int GroupSize = 8,
    int PromptsPerStep = 4,
    double LearningRate = 0.5,
    double ClipEpsilon = 0.2,
    double KlCoefficient = 0.0,
    int InnerEpochs = 2,
    int Seed = 0)
{
    /// <summary>The ε in A = (r − mean)/(std + ε) (a constant-reward group gets A = 0).</summary>
    public const double AdvantageEpsilon = 1e-6;
}
