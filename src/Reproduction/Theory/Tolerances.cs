namespace Reproduction.Theory;

/// <summary>
/// Named numerical tolerances of the theory suite. All arithmetic is IEEE float64; every identity below is
/// exact in real arithmetic, so the only slack is rounding, which is relative to the size of the quantities.
/// </summary>
public static class Tolerances
{
    /// <summary>Relative tolerance for exact identities in float64 (paper.md §3.0: "Relative ~1e-9").
    /// A few hundred roundings of ~1e-16 each stay far below it, and a wrong formula misses by far more.</summary>
    public const double Relative = 1e-9;

    /// <summary>Probability rows must sum to 1 within this (inputs are built in float64 and renormalised once).</summary>
    public const double Normalisation = 1e-12;

    /// <summary>An iterative method has reached its target distribution when TV ≤ this: 10× the distance at which float64
    /// softmax logits stop changing the probabilities' 8th digit, and far below any discrepancy a wrong update rule leaves.</summary>
    public const double ConvergedTotalVariation = 1e-8;

    /// <summary>A quantity is "clearly non-zero" above this: 1000× <see cref="Relative"/>, so rounding can never reach it.</summary>
    public const double ClearlyNonZero = 1e-6;

    /// <summary>Absolute values below this are dominated by the ~1e-16 absolute rounding of differences such as
    /// log Z − E r/β; ratios against them are not meaningful.</summary>
    public const double AbsoluteFloor = 1e-12;

    /// <summary>True when a and b agree to <see cref="Relative"/> of their magnitude (or of <paramref name="scale"/>, at least 1).</summary>
    public static bool Close(double a, double b, double scale = 1.0) =>
        a == b || Math.Abs(a - b) <= Slack(scale, a, b); // a == b also covers equal infinities (e.g. +∞ losses on both sides)

    /// <summary>The allowed rounding error when comparing quantities of these magnitudes.</summary>
    public static double Slack(double scale, double a, double b) =>
        Relative * Math.Max(Math.Max(1.0, Math.Abs(scale)), Math.Max(Math.Abs(a), Math.Abs(b)));

    /// <summary>a ≤ b up to rounding relative to their magnitude.</summary>
    public static bool AtMost(double a, double b, double scale = 1.0) => a <= b + Slack(scale, a, b);
}
