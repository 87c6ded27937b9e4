using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>
/// What a forward pass returns (tensors live in the caller's dispose scope).
/// Logits: [B, K, vocab] in the compute dtype for the kept positions (null when none were asked for).
/// HiddenStates (when requested): the embeddings and the residual stream after each layer, before the final norm.
/// </summary>
public sealed record Qwen3Output(Tensor? Logits, Tensor LastHiddenState, IReadOnlyList<Tensor>? HiddenStates);
