namespace Reproduction.Training;

/// <summary>
/// Stops a run on a NaN/Inf loss or gradient norm with an error naming the step (the last good checkpoint
/// stays intact because checkpoints are only written after a finite step), or, with
/// <c>--skip-nonfinite</c>, skips the update and counts it.
/// </summary>
public sealed class NonFiniteGuard(bool skipNonFinite)
{
    public int Skipped { get; private set; }

    /// <summary>True when the step may apply its update; false when it must be skipped; throws when the run must stop.</summary>
    public bool Admit(long step, double loss, double gradNorm)
    {
        if (double.IsFinite(loss) && double.IsFinite(gradNorm)) return true;
        var what = !double.IsFinite(loss) ? $"loss is {loss}" : $"gradient norm is {gradNorm}";
        if (!skipNonFinite)
            throw new NonFiniteLossException(step, $"step {step}: {what}; stopping (the last checkpoint is intact; pass --skip-nonfinite to skip such steps)");
        Skipped++;
        return false;
    }
}

public sealed class NonFiniteLossException(long step, string message) : ReproException(message)
{
    public long Step { get; } = step;
}
