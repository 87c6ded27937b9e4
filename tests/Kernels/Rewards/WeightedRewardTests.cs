using Reproduction;
using Reproduction.Rewards;

namespace Repro.Tests.Rewards;

/// <summary>TRL's weighted sum of reward functions (`reward_weights`, `sum_then_normalize`).</summary>
public sealed class WeightedRewardTests
{
    private sealed class Constant(string name, double value) : IReward
    {
        public string Name => name;
        public double Score(string completion, string label) => value;
    }

    [Fact]
    public void Weighted_sum_skips_missing_functions_and_an_all_missing_row_is_NaN()
    {
        Assert.Equal(1.0 * 1.0 + 0.5 * 1.0, RewardWeighting.WeightedSum([1.0, 1.0], [1.0, 0.5]));
        Assert.Equal(0.5 * 1.0, RewardWeighting.WeightedSum([null, 1.0], [1.0, 0.5]));
        Assert.Equal(1.0, RewardWeighting.WeightedSum([1.0, null], [1.0, 0.5]));
        Assert.True(double.IsNaN(RewardWeighting.WeightedSum([null, null], [1.0, 0.5])));
        Assert.Equal(3.0, RewardWeighting.WeightedSum([1.0, 2.0]));                       // default weights 1
        Assert.Throws<ReproException>(() => RewardWeighting.WeightedSum([1.0], [1.0, 2.0]));
    }

    [Fact]
    public void Combined_reward_is_the_weighted_sum_of_its_parts()
    {
        var r = new WeightedReward([new Constant("a", 1.0), new Constant("b", -1.0)], [2.0, 0.25]);
        Assert.Equal(2.0 * 1.0 + 0.25 * -1.0, r.Score("x", "acceptable"));
        Assert.Equal([1.0, -1.0], r.ScoreEach("x", "acceptable"));
        Assert.Equal("2*a+0.25*b", r.Name);
        Assert.Equal(0.0, new WeightedReward([new StrictColaReward(), new RobustColaReward()]).Score("acceptable", "acceptable"));
        Assert.Throws<ReproException>(() => new WeightedReward([new Constant("a", 1)], [1.0, 1.0]));
        Assert.Throws<ReproException>(() => new WeightedReward([]));
    }
}
