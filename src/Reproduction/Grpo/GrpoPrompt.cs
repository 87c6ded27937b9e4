namespace Reproduction.Grpo;

/// <summary>One RL prompt: its rendered chat prompt as token ids and the ground truth the rewards score against.</summary>
public sealed record GrpoPrompt(long[] PromptIds, string Label);
