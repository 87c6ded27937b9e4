using static TorchSharp.torch;

namespace Repro.Tests.Qwen3;

/// <summary>
/// Max |diff| over valid positions, from shared/golden/qwen3-tiny/README.md "Tolerances" (measured there:
/// float32 vs float64 is 1.4e-5 on logits, 1e-5 on hidden states and log-probs; bf16 vs f32 logits up to 0.41).
/// </summary>
public sealed record GoldenTolerances(double Logits, double LogitsMean, double Hidden, double LogProbs, double SumLogProbs, double RopeTable, double InvFreqRelative)
{
    /// <summary>float32 compute vs `*.float32`/`*.float64`: ~7× the measured float32 noise.</summary>
    public static readonly GoldenTolerances Float32 = new(Logits: 1e-4, LogitsMean: 1e-4, Hidden: 5e-5, LogProbs: 1e-4, SumLogProbs: 1e-3, RopeTable: 1e-5, InvFreqRelative: 1e-6);

    /// <summary>float64 everywhere vs `*.float64`: only summation-order noise is left.</summary>
    public static readonly GoldenTolerances Float64 = new(Logits: 1e-9, LogitsMean: 1e-9, Hidden: 1e-9, LogProbs: 1e-9, SumLogProbs: 1e-8, RopeTable: 1e-12, InvFreqRelative: 1e-12);

    /// <summary>bfloat16 compute: a bf16 step at |x| ≥ 8 is 0.0625; measured bf16-vs-f32 logits 0.41 max, 0.05 mean.</summary>
    public static readonly GoldenTolerances BFloat16 = new(Logits: 1.0, LogitsMean: 0.1, Hidden: 0.5, LogProbs: 0.5, SumLogProbs: 1.5, RopeTable: 1e-5, InvFreqRelative: 1e-6);

    /// <summary>README: with bf16, a greedy mismatch is tolerable only after a step whose golden top-1/top-2 margin is below this.</summary>
    public const double BFloat16GreedyMargin = 0.5;

    public static GoldenTolerances For(ScalarType computeDtype) => computeDtype switch
    {
        ScalarType.Float64 => Float64,
        ScalarType.BFloat16 => BFloat16,
        _ => Float32,
    };
}
