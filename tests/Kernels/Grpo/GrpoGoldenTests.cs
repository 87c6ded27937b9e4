using System.Text.Json.Nodes;
using Reproduction.Grpo;
using TorchSharp;
using static TorchSharp.torch;
using static Repro.Tests.Grpo.GrpoGoldenCases;

namespace Repro.Tests.Grpo;

/// <summary>
/// Every case of shared/golden/grpo/*.json, in float64 and float32: advantages, per-token values, losses,
/// the autograd gradient w.r.t. the current log-probs, and the logged metrics.
/// </summary>
public sealed class GrpoGoldenTests
{
    /// <summary>float64: the reference was checked three ways to ~1e-16; 1e-10 leaves room for summation order only.</summary>
    public const double Float64Tolerance = 1e-10;

    /// <summary>float32: TRL itself runs in float32 and differs from the float64 reference by ~1e-7; 1e-5 abs or rel (README).</summary>
    public const double Float32Tolerance = 1e-5;

    private static ScalarType DType(string name) => name == "float32" ? ScalarType.Float32 : ScalarType.Float64;
    private static double Tol(string name) => name == "float32" ? Float32Tolerance : Float64Tolerance;

    public static TheoryData<string, string> Cases() => All();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Advantages_and_reward_statistics_match(string id, string dtype)
    {
        var c = Load(id);
        var o = Options(c);
        using var scope = NewDisposeScope();
        var rewards = tensor(GrpoGoldenCases.Rewards(c, o), DType(dtype));
        using var a = GrpoAdvantages.Compute(rewards, o);

        var tol = Tol(dtype);
        Close("rewards", Flat(Expected(c, "rewards")!), a.Rewards, tol);
        Close("group_mean", Flat(Expected(c, "group_mean")!), a.GroupMean, tol);
        Close("std_used", Flat(Expected(c, "std_used")!), a.StdUsed, tol);
        Close("advantages", Flat(Expected(c, "advantages")!), a.Advantages, tol);
        Close("frac_reward_zero_std", [Expected(c, "frac_reward_zero_std")!.GetValue<double>()], [a.Metrics.FracRewardZeroStd], tol);

        // TRL logs `reward` = nanmean and `reward_std` = unbiased nanstd of the weighted rewards (grpo_trainer.py:2748-2749).
        var scorable = Flat(Expected(c, "rewards")!).Where(v => !double.IsNaN(v)).ToArray();
        var mean = scorable.Average();
        var std = Math.Sqrt(scorable.Sum(v => (v - mean) * (v - mean)) / (scorable.Length - 1));
        Close("reward", [mean], [a.Metrics.Reward], tol);
        Close("reward_std", [std], [a.Metrics.RewardStd], tol);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Per_token_values_losses_and_gradient_match(string id, string dtype)
    {
        var c = Load(id);
        var o = Options(c);
        var tol = Tol(dtype);
        using var scope = NewDisposeScope();
        var (x, lp) = Inputs(c, DType(dtype));
        using var r = GrpoLoss.Compute(x, o);
        r.Loss.backward();

        Close("coef_1", Flat(Expected(c, "coef_1")!), r.Coef1, tol);
        Close("coef_2", Flat(Expected(c, "coef_2")!), r.Coef2, tol);
        Close("clipped_surrogate", Flat(Expected(c, "clipped_surrogate")!), r.ClippedSurrogate, tol);
        if (Expected(c, "per_token_kl") is { } kl) Close("per_token_kl", Flat(kl), r.PerTokenKl!, tol);
        else Assert.Null(r.PerTokenKl);
        Close("per_token_loss", Flat(Expected(c, "per_token_loss")!), r.PerTokenLoss, tol);
        Close("policy_loss", [Expected(c, "policy_loss")!.GetValue<double>()], r.PolicyLoss, tol);
        Close("loss", [Expected(c, "loss")!.GetValue<double>()], r.Loss, tol);
        Close("grad_per_token_logps", Flat(Expected(c, "grad_per_token_logps")!), lp.grad!, tol);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Logged_metrics_match(string id, string dtype)
    {
        var c = Load(id);
        var o = Options(c);
        using var scope = NewDisposeScope();
        var (x, _) = Inputs(c, DType(dtype));
        using var r = GrpoLoss.Compute(x, o);
        var metrics = r.Metrics();
        var expected = Expected(c, "metrics")!.AsObject();
        foreach (var (name, value) in expected)
        {
            Assert.True(metrics.ContainsKey(name), $"{id}: metric '{name}' not logged");
            Close(name, [value!.GetValue<double>()], [metrics[name]], Tol(dtype));
        }
        Assert.Equal(expected.ContainsKey("kl"), metrics.ContainsKey("kl"));
    }

    /// <summary>Loss inputs of a case in the given dtype; the advantages are the case's expected ones.</summary>
    private static (GrpoLossInputs, Tensor) Inputs(JsonObject c, ScalarType dt)
    {
        var shape = Shape2(Input(c, "per_token_logps")!);
        Tensor? Grid(string key) => Input(c, key) is { } n ? tensor(Flat(n), dt).reshape(shape) : null;
        var lp = Grid("per_token_logps")!.requires_grad_(true);
        var items = Config(c, "num_items_in_batch") is JsonValue v ? v.GetValue<double>() : (double?)null;
        var x = new GrpoLossInputs(
            PerTokenLogps: lp,
            OldPerTokenLogps: Grid("old_per_token_logps"),
            RefPerTokenLogps: Grid("ref_per_token_logps"),
            Advantages: tensor(Flat(Expected(c, "advantages")!), dt),
            CompletionMask: Grid("completion_mask")!,
            NumItemsInBatch: items,
            NumProcesses: Config(c, "num_processes").GetValue<int>());
        return (x, lp);
    }

    private static void Close(string what, double[] expected, Tensor actual, double tol) =>
        Close(what, expected, actual.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray(), tol);

    /// <summary>|a − e| ≤ tol · max(1, |e|) elementwise; NaN must meet NaN.</summary>
    private static void Close(string what, double[] expected, double[] actual, double tol)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (var i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            var ok = double.IsNaN(e) ? double.IsNaN(a) : Math.Abs(a - e) <= tol * Math.Max(1.0, Math.Abs(e));
            Assert.True(ok, $"{what}[{i}]: got {a:R}, expected {e:R} (tolerance {tol})");
        }
    }
}
