namespace Reproduction.Rewards;

/// <summary>
/// Several rewards combined as TRL does with `reward_weights` (`sum_then_normalize`, grpo_trainer.py:2679-2684):
/// Σ_k w_k · r_k. TRL's default weights are all 1.
/// </summary>
public sealed class WeightedReward : IReward
{
    public IReadOnlyList<IReward> Rewards { get; }
    public IReadOnlyList<double> Weights { get; }

    public WeightedReward(IReadOnlyList<IReward> rewards, IReadOnlyList<double>? weights = null)
    {
        if (rewards.Count == 0) throw new ReproException("a weighted reward needs at least one reward function");
        weights ??= Enumerable.Repeat(1.0, rewards.Count).ToArray();
        if (weights.Count != rewards.Count)
            throw new ReproException($"reward_weights has {weights.Count} entries for {rewards.Count} reward functions");
        if (weights.Any(w => !double.IsFinite(w))) throw new ReproException("reward_weights must be finite");
        Rewards = rewards.ToArray();
        Weights = weights.ToArray();
    }

    public string Name => string.Join("+", Rewards.Select((r, k) => Weights[k] == 1.0 ? r.Name : $"{Weights[k]}*{r.Name}"));

    /// <summary>Each function's reward, unweighted (what TRL logs per function).</summary>
    public double[] ScoreEach(string completion, string label) => Rewards.Select(r => r.Score(completion, label)).ToArray();

    public double Score(string completion, string label) =>
        RewardWeighting.WeightedSum(ScoreEach(completion, label).Select(r => (double?)r).ToArray(), Weights);
}
