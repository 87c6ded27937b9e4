namespace Reproduction.Training;

/// <summary>
/// Stops a run on a NaN/Inf loss, gradient norm or reward with an error naming the step (the last good checkpoint
/// stays intact because checkpoints are only written after a finite step), or, with
/// <c>--skip-nonfinite</c>, skips the update and counts it.
/// </summary>
public sealed class NonFiniteGuard(bool skipNonFinite)
{
    public int Skipped { get; private set; }

    /// <summary>True when the step may apply its update; false when it must be skipped; throws when the run must stop.</summary>
    public bool Admit(long step, double loss, double gradNorm) =>
        Admit(step, !double.IsFinite(loss) ? $"loss is {loss}" : !double.IsFinite(gradNorm) ? $"gradient norm is {gradNorm}" : null);

    /// <summary>The same decision for a non-finite value the step found (<paramref name="problem"/> says which; null: none).</summary>
    public bool Admit(long step, string? problem)
    {
        if (problem is null) return true;
        if (!skipNonFinite)
            throw new NonFiniteLossException(step, $"step {step}: {problem}; stopping (the last checkpoint is intact; pass --skip-nonfinite to skip such steps)");
        Skipped++;
        return false;
    }
}

public sealed class NonFiniteLossException(long step, string message) : ReproException(message)
{
    public long Step { get; } = step;
}
