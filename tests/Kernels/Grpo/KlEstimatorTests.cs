using Reproduction.Grpo;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Grpo;

/// <summary>k1/k2/k3 and verl's clamped low_var_kl, values and gradients, against the formulas in plain doubles.</summary>
public sealed class KlEstimatorTests
{
    /// <summary>float64 evaluation of exp and polynomials of O(1..1e6) values; relative 1e-14 of the magnitude.</summary>
    private const double RelativeTolerance = 1e-14;

    // d = ref − logp: small, moderate, beyond verl's result clamp (e^15 ≫ 10), beyond the ±20 input clamp both ways.
    public static TheoryData<double> Gaps() => [-25.0, -3.0, -0.4, 0.0, 0.3, 2.0, 15.0, 25.0];

    [Theory]
    [MemberData(nameof(Gaps))]
    public void Each_estimator_and_its_gradient_match_the_formula(double d)
    {
        const double logp = -0.7;
        var refLp = logp + d;
        foreach (var kind in Enum.GetValues<KlEstimatorKind>())
        {
            using var scope = NewDisposeScope();
            var lp = tensor(new[] { logp }).requires_grad_(true);
            var kl = KlEstimator.Compute(lp, tensor(new[] { refLp }), kind);
            kl.sum().backward();
            var (value, grad) = Formula(kind, d);
            Assert.True(Close(value, kl.data<double>()[0]), $"{kind} at d={d}: {kl.data<double>()[0]:R} vs {value:R}");
            Assert.True(Close(grad, lp.grad!.data<double>()[0]), $"{kind}' at d={d}: {lp.grad!.data<double>()[0]:R} vs {grad:R}");
        }
    }

    [Fact]
    public void Low_var_kl_is_clamped_to_10_and_k3_is_not()
    {
        using var scope = NewDisposeScope();
        var lp = tensor(new[] { 0.0 });
        var refLp = tensor(new[] { 15.0 });
        Assert.Equal(10.0, KlEstimator.Compute(lp, refLp, KlEstimatorKind.LowVarKl).data<double>()[0]);
        Assert.Equal(Math.Exp(15) - 16, KlEstimator.Compute(lp, refLp, KlEstimatorKind.K3).data<double>()[0], Math.Exp(15) * RelativeTolerance);
    }

    /// <summary>(value, d value / d logp) with d = ref − logp, so dd/dlogp = −1.</summary>
    private static (double, double) Formula(KlEstimatorKind kind, double d)
    {
        switch (kind)
        {
            case KlEstimatorKind.K1: return (-d, 1.0);
            case KlEstimatorKind.K2: return (0.5 * d * d, -d);
            case KlEstimatorKind.K3: return (Math.Exp(d) - d - 1, -(Math.Exp(d) - 1));
            default:
                var inRange = d is >= -20 and <= 20;
                var dc = Math.Clamp(d, -20, 20);
                var k3 = Math.Exp(dc) - dc - 1;
                var passes = inRange && k3 is >= -10 and <= 10;
                return (Math.Clamp(k3, -10, 10), passes ? -(Math.Exp(dc) - 1) : 0.0);
        }
    }

    private static bool Close(double expected, double actual) =>
        Math.Abs(expected - actual) <= RelativeTolerance * Math.Max(1.0, Math.Abs(expected));
}
