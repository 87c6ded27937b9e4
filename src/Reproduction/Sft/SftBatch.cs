using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Sft;

/// <summary>
/// A padded SFT micro-batch: input_ids and attention_mask [B, T] right-padded with <c>padId</c>, and the
/// loss mask [B, T] that is 1 on completion tokens only (completion-only loss: prompt and padding are the
/// −100 labels of TRL). Sequences longer than max_length are cut at the end (TRL's truncation_mode
/// keep_start), which can drop completion tokens; <see cref="CompletionTokens"/> counts what is left.
/// </summary>
public sealed class SftBatch : IDisposable
{
    public Tensor InputIds { get; }
    public Tensor AttentionMask { get; }
    public Tensor LossMask { get; }
    public long CompletionTokens { get; }
    public int Size { get; }

    private SftBatch(Tensor ids, Tensor attention, Tensor loss, long completionTokens, int size)
    {
        (InputIds, AttentionMask, LossMask, CompletionTokens, Size) = (ids, attention, loss, completionTokens, size);
    }

    public static SftBatch Collate(IReadOnlyList<SftExample> examples, long padId, int maxLength, bool completionOnly = true, Device? device = null)
    {
        if (examples.Count == 0) throw new ArgumentException("empty batch", nameof(examples));
        int t = Math.Min(maxLength, examples.Max(e => e.Length));
        var ids = new long[examples.Count * t];
        var attention = new long[examples.Count * t];
        var loss = new long[examples.Count * t];
        long completion = 0;
        Array.Fill(ids, padId);
        for (int b = 0; b < examples.Count; b++)
        {
            var e = examples[b];
            int n = Math.Min(t, e.Length);
            for (int i = 0; i < n; i++)
            {
                bool isCompletion = i >= e.PromptIds.Count;
                ids[b * t + i] = isCompletion ? e.CompletionIds[i - e.PromptIds.Count] : e.PromptIds[i];
                attention[b * t + i] = 1;
                // Position 0 is never a target (nothing predicts it).
                bool target = i > 0 && (isCompletion || !completionOnly);
                loss[b * t + i] = target ? 1 : 0;
                if (target) completion++;
            }
        }
        long[] shape = [examples.Count, t];
        return new SftBatch(torch.tensor(ids, shape, device: device), torch.tensor(attention, shape, device: device), torch.tensor(loss, shape, device: device), completion, examples.Count);
    }

    /// <summary>The loss tokens <see cref="Collate"/> would count, without building tensors.</summary>
    public static long CompletionTokenCount(IReadOnlyList<SftExample> examples, int maxLength, bool completionOnly = true)
    {
        int t = Math.Min(maxLength, examples.Max(e => e.Length));
        return examples.Sum(e => (long)Enumerable.Range(1, Math.Max(0, Math.Min(t, e.Length) - 1)).Count(i => completionOnly ? i >= e.PromptIds.Count : true));
    }

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        LossMask.Dispose();
    }
}
