using static TorchSharp.torch;

namespace Reproduction.Grpo;

/// <summary>
/// One micro-batch for <see cref="GrpoLoss"/>, on a right-padded B×T completion grid. The tensors are borrowed,
/// not owned.
/// </summary>
/// <param name="PerTokenLogps">B×T log-probs of the sampled tokens under the current policy (gradients flow here).</param>
/// <param name="OldPerTokenLogps">B×T log-probs under the policy that sampled; null = on-policy, TRL's `logp.detach()`.</param>
/// <param name="RefPerTokenLogps">B×T log-probs under the reference policy; required when beta ≠ 0.</param>
/// <param name="Advantages">B advantages, one per completion.</param>
/// <param name="CompletionMask">B×T, 1 for completion tokens (EOS included), 0 for padding.</param>
/// <param name="NumItemsInBatch">
/// dapo / bnpo / verl token-mean: the mask sum over the whole generation batch, all processes and micro-batches
/// (TRL `num_items_in_batch`, verl `batch_num_tokens`). null = this micro-batch's mask sum.
/// </param>
/// <param name="NumSequencesInBatch">verl seq-mean modes: non-empty sequences over the whole batch (verl `global_batch_size`); null = local.</param>
/// <param name="NumRowsInBatch">
/// grpo / dr_grpo: completions (rows, empty ones included) in the whole generation batch, all processes and
/// micro-batches. null = this micro-batch's rows, the loss then divided by gradient_accumulation_steps as TRL does.
/// </param>
/// <param name="NumProcesses">Data-parallel processes (TRL `num_processes`, verl `dp_size`).</param>
/// <param name="Training">Train mode divides by gradient_accumulation_steps where TRL does; eval does not.</param>
public sealed record GrpoLossInputs(
    Tensor PerTokenLogps,
    Tensor? OldPerTokenLogps,
    Tensor? RefPerTokenLogps,
    Tensor Advantages,
    Tensor CompletionMask,
    double? NumItemsInBatch = null,
    double? NumSequencesInBatch = null,
    int NumProcesses = 1,
    bool Training = true,
    double? NumRowsInBatch = null);
