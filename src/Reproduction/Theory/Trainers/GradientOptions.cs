namespace Reproduction.Theory.Trainers;

/// <summary>Plain full-batch gradient steps in logit space: step size η and the number of iterations.</summary>
public sealed record GradientOptions(double StepSize, int Iterations);
