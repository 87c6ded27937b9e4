namespace Reproduction.Rewards;

/// <summary>A reward function: scores one decoded completion against its ground-truth label.</summary>
public interface IReward
{
    /// <summary>The name TRL logs it under (`rewards/{name}/mean`).</summary>
    string Name { get; }

    /// <summary>The reward of <paramref name="completion"/> (the decoded response, special tokens removed) for <paramref name="label"/>.</summary>
    double Score(string completion, string label);
}
