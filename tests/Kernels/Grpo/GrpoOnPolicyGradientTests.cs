using Reproduction.Grpo;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Grpo;

/// <summary>
/// The on-policy identity behind "the GRPO loss starts at ~0 but its gradient does not" (TRL issue #3452):
/// with old = logp.detach() and beta = 0 the ratio is exactly 1, so every token's loss is −A_b and its
/// gradient is −A_b · m_bt · w_b, where w_b is the aggregation weight of the loss type. Checked on random
/// batches for all seven loss types against w_b written out here, with and without the whole batch's token, sequence
/// and row counts.
/// </summary>
public sealed class GrpoOnPolicyGradientTests
{
    /// <summary>float64; the only error is summation order over ≤ 60 terms.</summary>
    private const double Tolerance = 1e-12;

    public static TheoryData<LossType> LossTypes() => new(Enum.GetValues<LossType>());

    [Theory]
    [MemberData(nameof(LossTypes))]
    public void On_policy_gradient_is_minus_A_times_the_aggregation_weight(LossType lossType)
    {
        var rng = new Random(1234 + (int)lossType);
        for (var trial = 0; trial < 25; trial++)
        {
            using var scope = NewDisposeScope();
            int b = rng.Next(1, 6), t = rng.Next(1, 7), ga = rng.Next(1, 4), p = rng.Next(1, 3), maxLen = t + rng.Next(0, 4);
            var mask = new double[b * t];
            for (var i = 0; i < b; i++)
            {
                var len = rng.Next(0, t + 1);                                          // right-padded, may be empty
                for (var j = 0; j < len; j++) mask[i * t + j] = 1;
            }
            var adv = Enumerable.Range(0, b).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
            double? items = rng.Next(2) == 0 ? null : mask.Sum() + rng.Next(0, 20);
            double? seqs = rng.Next(2) == 0 ? null : b + rng.Next(0, 5);
            double? rows = rng.Next(2) == 0 ? null : b + rng.Next(0, 5);
            var o = new GrpoOptions { LossType = lossType, GradientAccumulationSteps = ga, MaxCompletionLength = maxLen };

            var lp = (rand(b, t, float64) * -3).requires_grad_(true);
            using var r = GrpoLoss.Compute(new GrpoLossInputs(lp, null, null, tensor(adv), tensor(mask).reshape(b, t),
                NumItemsInBatch: items, NumSequencesInBatch: seqs, NumProcesses: p, NumRowsInBatch: rows), o);
            r.Loss.backward();
            var grad = lp.grad!.contiguous().data<double>().ToArray();

            double expectedLoss = 0;
            for (var i = 0; i < b; i++)
            {
                var w = Weight(lossType, i, b, t, mask, maxLen, ga, p, items, seqs, rows);
                for (var j = 0; j < t; j++)
                {
                    var g = -adv[i] * mask[i * t + j] * w;
                    expectedLoss += g;
                    Assert.True(Math.Abs(g - grad[i * t + j]) <= Tolerance,
                        $"{lossType} trial {trial} [{i},{j}]: autograd {grad[i * t + j]:R}, expected {g:R}");
                }
            }
            Assert.True(Math.Abs(expectedLoss - r.Loss.ToDouble()) <= Tolerance, $"{lossType} trial {trial}: loss");
            Assert.All(r.Coef1.data<double>().ToArray(), c => Assert.Equal(1.0, c));
        }
    }

    /// <summary>d loss / d ℓ_bt for an unmasked token of row <paramref name="i"/>.</summary>
    private static double Weight(LossType type, int i, int b, int t, double[] m, int maxLen, int ga, int p, double? items, double? seqs, double? rows)
    {
        double n(int row) => m.Skip(row * t).Take(t).Sum();
        var total = m.Sum();
        var nonEmpty = Enumerable.Range(0, b).Count(row => n(row) > 0);
        return type switch
        {
            LossType.Grpo => (rows is { } R ? p / R : 1.0 / b / ga) / Math.Max(n(i), 1),
            LossType.Bnpo => items is { } N0 ? p / Math.Max(N0, 1) : 1.0 / Math.Max(total, 1) / ga,
            LossType.DrGrpo => (rows is { } R1 ? p / R1 : 1.0 / b / ga) / maxLen,
            LossType.Dapo => p / Math.Max(items ?? total, 1),
            LossType.TokenMean => items is { } N ? p / Math.Max(N, 1) : p / Math.Max(total, 1) / ga,
            LossType.SeqMeanTokenSum => n(i) == 0 ? 0 : seqs is { } S ? p / S : p / (double)Math.Max(nonEmpty, 1) / ga,
            LossType.SeqMeanTokenMean => n(i) == 0 ? 0 : (seqs is { } S2 ? p / S2 : p / (double)Math.Max(nonEmpty, 1) / ga) / (n(i) + 1e-8),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }
}
