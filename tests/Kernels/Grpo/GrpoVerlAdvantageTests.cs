using Reproduction.Grpo;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Grpo;

/// <summary>verl's `compute_grpo_outcome_advantage` (eps 1e-6, unbiased std, singleton group → mean 0, std 1).</summary>
public sealed class GrpoVerlAdvantageTests
{
    private const double Tolerance = 1e-14;

    [Fact]
    public void Groups_use_unbiased_std_plus_1e_minus_6()
    {
        double[] r = [1, -1, -1, 0.5, 0.25, 2];
        using var scope = NewDisposeScope();
        var a = GrpoAdvantages.ComputeVerl(tensor(r), 3).data<double>().ToArray();
        for (var g = 0; g < 2; g++)
        {
            var grp = r.Skip(3 * g).Take(3).ToArray();
            var mean = grp.Average();
            var std = Math.Sqrt(grp.Sum(v => (v - mean) * (v - mean)) / (grp.Length - 1));
            for (var i = 0; i < 3; i++)
                Assert.Equal((grp[i] - mean) / (std + 1e-6), a[3 * g + i], Tolerance);
        }
        var centred = GrpoAdvantages.ComputeVerl(tensor(r), 3, normalizeByStd: false).data<double>().ToArray();
        Assert.Equal(r[0] - r.Take(3).Average(), centred[0], Tolerance);
    }

    [Fact]
    public void A_singleton_group_keeps_its_raw_reward_over_one_plus_eps_while_TRL_gives_zero()
    {
        using var scope = NewDisposeScope();
        var verl = GrpoAdvantages.ComputeVerl(tensor(new[] { 1.0, -1.0 }), 1).data<double>().ToArray();
        Assert.Equal([1.0 / (1 + 1e-6), -1.0 / (1 + 1e-6)], verl);
        using var trl = GrpoAdvantages.Compute(tensor(new[] { 1.0, -1.0 }), 1, ScaleRewards.Group);
        Assert.Equal([0.0, 0.0], trl.Advantages.data<double>().ToArray());
        Assert.Equal(1.0, trl.Metrics.FracRewardZeroStd);
    }

    [Fact]
    public void TRL_group_with_one_scorable_completion_has_NaN_std_and_zero_advantages()
    {
        using var scope = NewDisposeScope();
        using var a = GrpoAdvantages.Compute(tensor(new[] { 1.0, double.NaN, 0.0, 1.0 }), 2, ScaleRewards.Group);
        var std = a.StdUsed.data<double>().ToArray();
        Assert.True(double.IsNaN(std[0]) && double.IsNaN(std[1]));
        Assert.Equal([0.0, 0.0], a.Advantages.data<double>().ToArray()[..2]);
        Assert.Equal(2.0 / 3.0, a.Metrics.Reward, Tolerance);                          // nanmean over the three scorable
        Assert.Equal(0.0, a.Metrics.FracRewardZeroStd);                                 // isclose(NaN, 0) is false
    }
}
