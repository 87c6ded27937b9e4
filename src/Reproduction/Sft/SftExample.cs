namespace Reproduction.Sft;

/// <summary>
/// One tokenized SFT example: the rendered prompt (chat template up to the assistant turn) and the completion
/// (the assistant's answer, ending with `&lt;|im_end|&gt;` so the model learns to stop: the EOS of the answer is
/// part of the loss, as in TRL, which appends the EOS to the completion, and verl's SFT dataset).
/// </summary>
public sealed record SftExample(IReadOnlyList<long> PromptIds, IReadOnlyList<long> CompletionIds)
{
    public int Length => PromptIds.Count + CompletionIds.Count;
}
