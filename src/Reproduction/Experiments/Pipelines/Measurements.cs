namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// What a pipeline's tracker measures at every evaluation point of its stages (the stage kinds decide the points: the
/// trainers' eval_steps, or a schedule stage's evaluations): the SFT-test cross-entropy and robust/strict mean@1.
/// </summary>
public sealed record Measurements(bool Ce, bool Rewards)
{
    public static readonly Measurements All = new(true, true);

    /// <summary>Nothing along the way (a pipeline measured only at its end by an observer, as the schedule frontier's).</summary>
    public static readonly Measurements None = new(false, false);
}
