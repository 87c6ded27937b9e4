using static TorchSharp.torch;

namespace Repro.Tests.Qwen3;

/// <summary>
/// Max |diff| over valid positions: the recommended tolerances of shared/golden/qwen3-tiny/README.md ("Tolerances"; the
/// README also gives the differences they were chosen from), one record per compute dtype.
/// </summary>
public sealed record GoldenTolerances(double Logits, double LogitsMean, double Hidden, double LogProbs, double SumLogProbs, double RopeTable, double InvFreqRelative)
{
    /// <summary>
    /// Attention probabilities live in [0, 1], where the hidden-state tolerance can be loose (0.5 in bf16 would pass a
    /// wrong softmax); every other trace point is on the hidden-state scale. Equal to <see cref="Hidden"/> unless set.
    /// </summary>
    public double AttentionProbs { get; init; } = Hidden;

    /// <summary>The tolerance of one trace point (`layer_N.POINT`).</summary>
    public double TracePoint(string point) => point.EndsWith(".attn_probs", StringComparison.Ordinal) ? AttentionProbs : Hidden;

    /// <summary>float32 compute vs `*.float32`/`*.float64`.</summary>
    public static readonly GoldenTolerances Float32 = new(Logits: 1e-4, LogitsMean: 1e-4, Hidden: 5e-5, LogProbs: 1e-4, SumLogProbs: 1e-3, RopeTable: 1e-5, InvFreqRelative: 1e-6);

    /// <summary>float64 everywhere vs `*.float64`: only summation-order noise is left.</summary>
    public static readonly GoldenTolerances Float64 = new(Logits: 1e-9, LogitsMean: 1e-9, Hidden: 1e-9, LogProbs: 1e-9, SumLogProbs: 1e-8, RopeTable: 1e-12, InvFreqRelative: 1e-12);

    /// <summary>
    /// bfloat16 compute vs `bf16.bfloat16`. The README's hidden tolerance 0.5 is 8 bf16 steps at |x| = 8 (a step there is
    /// 2⁻⁴); attention probabilities get the same 8 steps at 1 (a step there is 2⁻⁸): 8 · 2⁻⁸ = 1/32.
    /// </summary>
    public static readonly GoldenTolerances BFloat16 = new(Logits: 1.0, LogitsMean: 0.1, Hidden: 0.5, LogProbs: 0.5, SumLogProbs: 1.5, RopeTable: 1e-5, InvFreqRelative: 1e-6)
        { AttentionProbs = 8 * Math.Pow(2, -8) };

    /// <summary>README: with bf16, a greedy mismatch is tolerable only after a step whose golden top-1/top-2 margin is below this.</summary>
    public const double BFloat16GreedyMargin = 0.5;

    public static GoldenTolerances For(ScalarType computeDtype) => computeDtype switch
    {
        ScalarType.Float64 => Float64,
        ScalarType.BFloat16 => BFloat16,
        _ => Float32,
    };
}
