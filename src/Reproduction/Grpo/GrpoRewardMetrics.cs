namespace Reproduction.Grpo;

/// <summary>
/// The reward statistics TRL logs per generation batch (grpo_trainer.py:2748-2750): `reward` = nanmean of the
/// weighted rewards, `reward_std` = their nanstd (unbiased) over the whole batch, `frac_reward_zero_std` = the
/// fraction of completions whose advantage std is ~0 (`torch.isclose(std, 0)`).
/// </summary>
public sealed record GrpoRewardMetrics(double Reward, double RewardStd, double FracRewardZeroStd);
