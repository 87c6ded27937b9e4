namespace Reproduction.Sampling;

/// <summary>
/// One generate call: per row, the new tokens (up to and including the eos that stopped it), the log-probability
/// of each under the model's unwarped distribution (float32 log_softmax of the logits, what GRPO's old/ref
/// log-probs mean), and why it stopped.
/// </summary>
public sealed record GenerationResult(IReadOnlyList<long[]> Tokens, IReadOnlyList<float[]> LogProbs, IReadOnlyList<StopReason> StopReasons);
