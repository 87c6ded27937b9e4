using static TorchSharp.torch;

namespace Reproduction.Grpo;

/// <summary>
/// Group-normalised advantages of one generation batch, all length N (one value per completion), in the input
/// dtype. Owns its tensors: dispose it (or let the enclosing dispose scope do so).
/// </summary>
/// <param name="Rewards">The weighted rewards; NaN marks an unscorable completion.</param>
/// <param name="GroupMean">The nanmean of each completion's group, repeated per completion.</param>
/// <param name="StdUsed">The std that divides (for scale_rewards none, the group std TRL only logs); NaN when undefined.</param>
/// <param name="Advantages">(r − mean) / (std + ε), or r − mean for none; NaN replaced by 0.</param>
/// <param name="Metrics">The logged reward statistics.</param>
public sealed record GrpoAdvantageResult(Tensor Rewards, Tensor GroupMean, Tensor StdUsed, Tensor Advantages, GrpoRewardMetrics Metrics)
    : IDisposable
{
    public void Dispose()
    {
        Rewards.Dispose();
        GroupMean.Dispose();
        StdUsed.Dispose();
        Advantages.Dispose();
    }
}
