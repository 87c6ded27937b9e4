using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Grpo;

/// <summary>
/// GRPO's outcome advantages: one scalar per completion, centred on its group's mean reward and (optionally)
/// scaled by a std. Completions are grouped consecutively: 0..G−1 belong to prompt 0, and so on.
/// <see cref="Compute(Tensor,int,ScaleRewards,double)"/> mirrors TRL v1.9.0 `_generate_and_score_completions`
/// (`multi_objective_aggregation="sum_then_normalize"`, grpo_trainer.py:2679-2750) including its NaN handling;
/// <see cref="ComputeVerl"/> mirrors verl `compute_grpo_outcome_advantage` (core_algos.py:267-325).
/// </summary>
public static class GrpoAdvantages
{
    /// <summary>TRL adds 1e-4 to the std (grpo_trainer.py:2707, hard-coded).</summary>
    public const double TrlEpsilon = 1e-4;

    /// <summary>verl adds 1e-6 to the std (core_algos.py:271, the default argument).</summary>
    public const double VerlEpsilon = 1e-6;

    /// <summary>`torch.isclose(std, 0)` is |std| ≤ atol with torch's default atol 1e-8 (grpo_trainer.py:2708).</summary>
    public const double ZeroStdTolerance = 1e-8;

    /// <summary>TRL advantages with the options' group size, scale_rewards and advantage_epsilon.</summary>
    public static GrpoAdvantageResult Compute(Tensor rewards, GrpoOptions options) =>
        Compute(rewards, options.NumGenerations, options.ScaleRewards, options.AdvantageEpsilon);

    /// <summary>
    /// TRL advantages. <paramref name="rewards"/> is 1-D of length N = groups × G, floating point; NaN marks an
    /// unscorable completion (left out of the group mean and std; its advantage is 0).
    /// </summary>
    public static GrpoAdvantageResult Compute(Tensor rewards, int numGenerations, ScaleRewards scale, double epsilon = TrlEpsilon)
    {
        var n = CheckRewards(rewards, numGenerations);
        using var scope = NewDisposeScope();
        var grouped = rewards.reshape(-1, numGenerations);
        var groupMean = NanMean(grouped, dim: 1).repeat_interleave(numGenerations, dim: 0);     // :2685-2686
        Tensor std;
        if (scale is ScaleRewards.Group or ScaleRewards.None)
            std = numGenerations > 1                                                             // :2687-2693
                ? NanStd(grouped, dim: 1).repeat_interleave(numGenerations, dim: 0)
                : zeros_like(rewards);
        else
            std = n > 1 ? NanStd(rewards).expand_as(rewards) : zeros_like(rewards);             // :2694-2699

        var advantages = rewards - groupMean;                                                    // :2705
        if (scale != ScaleRewards.None)
            advantages = advantages / (std + epsilon);                                           // :2706-2707
        advantages = advantages.nan_to_num(nan: 0.0);                                           // :2730

        var isStdZero = std.abs().le(ZeroStdTolerance);                                          // :2708 (NaN → false)
        var metrics = new GrpoRewardMetrics(
            Reward: NanMean(rewards).ToDouble(),                                                // :2748
            RewardStd: NanStd(rewards).ToDouble(),                                              // :2749
            FracRewardZeroStd: isStdZero.to_type(ScalarType.Float64).mean().ToDouble());        // :2750

        var result = new GrpoAdvantageResult(rewards.clone(), groupMean, std.contiguous(), advantages, metrics);
        result.Rewards.MoveToOuterDisposeScope();
        groupMean.MoveToOuterDisposeScope();
        result.StdUsed.MoveToOuterDisposeScope();
        advantages.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>
    /// verl advantages (`compute_grpo_outcome_advantage`): per group, mean and unbiased `torch.std`; a singleton
    /// group gets mean 0 and std 1 (core_algos.py:313-315); (r − mean) / (std + ε), or r − mean when
    /// <paramref name="normalizeByStd"/> is false (`norm_adv_by_std_in_grpo`). No NaN handling, as in verl.
    /// Returns one advantage per completion (verl then broadcasts it over the response mask).
    /// </summary>
    public static Tensor ComputeVerl(Tensor rewards, int numGenerations, bool normalizeByStd = true, double epsilon = VerlEpsilon)
    {
        CheckRewards(rewards, numGenerations);
        using var scope = NewDisposeScope();
        var grouped = rewards.reshape(-1, numGenerations);
        Tensor mean, std;
        if (numGenerations == 1)
        {
            mean = zeros_like(grouped);
            std = ones_like(grouped);
        }
        else
        {
            mean = grouped.mean([1L], keepdim: true);
            std = grouped.std(1L, unbiased: true, keepdim: true);
        }
        var centred = grouped - mean;
        var adv = normalizeByStd ? centred / (std + epsilon) : centred;
        return adv.reshape(-1).MoveToOuterDisposeScope();
    }

    /// <summary>`torch.nanmean`: the mean over non-NaN entries (NaN when there are none).</summary>
    public static Tensor NanMean(Tensor x, long? dim = null)
    {
        using var scope = NewDisposeScope();
        var valid = x.isnan().logical_not();
        var filled = where(valid, x, zeros_like(x));
        var count = dim is { } d ? valid.sum([d], keepdim: false, type: x.dtype) : valid.sum(type: x.dtype);
        var sum = dim is { } d2 ? filled.sum([d2], keepdim: false) : filled.sum();
        return (sum / count).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// TRL's `nanstd` (trl/trainer/utils.py:857-883): the NaN-ignoring variance times Bessel's count/(count−1),
    /// computed in the input dtype as TRL does; NaN when fewer than two values are present.
    /// </summary>
    public static Tensor NanStd(Tensor x, long? dim = null)
    {
        using var scope = NewDisposeScope();
        var valid = x.isnan().logical_not();
        Tensor mean = dim is { } d ? NanMean(x, d).unsqueeze(d) : NanMean(x);
        var sq = (x - mean).square();
        var variance = dim is { } d2 ? NanMean(sq, d2) : NanMean(sq);
        var count = dim is { } d3 ? valid.sum([d3], keepdim: false, type: x.dtype) : valid.sum(type: x.dtype);
        var correction = where(count.gt(1), count / (count - 1), full_like(count, double.NaN));  // utils.py:877-878
        return (variance * correction).sqrt().MoveToOuterDisposeScope();
    }

    private static long CheckRewards(Tensor rewards, int numGenerations)
    {
        if (numGenerations < 1) throw new ReproException($"num_generations must be >= 1, got {numGenerations}");
        if (rewards.dim() != 1) throw new ReproException($"rewards must be 1-D, got shape [{string.Join(", ", rewards.shape)}]");
        if (!rewards.is_floating_point()) throw new ReproException($"rewards must be floating point, got {rewards.dtype}");
        var n = rewards.shape[0];
        if (n % numGenerations != 0)
            throw new ReproException($"{n} rewards do not split into groups of num_generations = {numGenerations}");
        return n;
    }
}
