namespace Reproduction.Rewards;

/// <summary>
/// TRL's `sum_then_normalize` combination of several reward functions (grpo_trainer.py:2679-2684):
/// r = nansum_k w_k·r_k, where a function that returned None counts as NaN and is skipped; a completion for
/// which every function returned None is unscorable and gets NaN (left out of the advantage baseline).
/// </summary>
public static class RewardWeighting
{
    /// <summary>The weighted sum of one completion's rewards; null entries are skipped; all null → NaN.</summary>
    /// <param name="perFunction">One value per reward function, null where it returned None.</param>
    /// <param name="weights">TRL `reward_weights`; null = all 1.</param>
    public static double WeightedSum(IReadOnlyList<double?> perFunction, IReadOnlyList<double>? weights = null)
    {
        if (weights is not null && weights.Count != perFunction.Count)
            throw new ReproException($"reward_weights has {weights.Count} entries for {perFunction.Count} reward functions");
        var sum = 0.0;
        var any = false;
        for (var k = 0; k < perFunction.Count; k++)
        {
            if (perFunction[k] is not { } r || double.IsNaN(r)) continue;               // nansum skips NaN
            sum += (weights?[k] ?? 1.0) * r;
            any = true;
        }
        return any ? sum : double.NaN;                                                  // :2684 unscorable → NaN
    }
}
