using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>
/// The eager additive mask of transformers' `masking_utils` and HF's default positions.
/// Masked entries get `finfo(dtype).min` (finite, not -inf): a fully masked (left-pad) query row then gets
/// uniform attention instead of NaN, as in HF.
/// </summary>
public static class AttentionMasks
{
    /// <summary>
    /// [B, 1, T, past+T] additive mask: query q (absolute index past+q) may see key k iff `k <= past + q` and
    /// `attentionMask[b, k] == 1`. `attentionMask` [B, past+T] (0/1) or null (no padding).
    /// </summary>
    public static Tensor Causal(Tensor? attentionMask, long batch, long queryLength, long pastLength, ScalarType dtype, Device device)
    {
        using var scope = torch.NewDisposeScope();
        long s = pastLength + queryLength;
        if (queryLength == 1 && attentionMask is not null && attentionMask.shape[1] == s)
        {
            // One query (a cached decoding step) sees every key the padding mask allows: the same entries as below, in fewer ops.
            var blocked = attentionMask.to(device).eq(0).unsqueeze(1);                                 // [B, 1, S]
            var single = torch.zeros([blocked.shape[0], 1, s], dtype, device).masked_fill(blocked, torch.finfo(dtype).min);
            return single.expand(batch, 1, s).unsqueeze(1).MoveToOuterDisposeScope();
        }
        var q = torch.arange(pastLength, s, dtype: ScalarType.Int64, device: device).unsqueeze(1);   // [T, 1]
        var k = torch.arange(0, s, dtype: ScalarType.Int64, device: device).unsqueeze(0);            // [1, S]
        var allowed = k.le(q).unsqueeze(0);                                                           // [1, T, S]
        if (attentionMask is not null)
        {
            if (attentionMask.shape[1] != s)
                throw new ArgumentException($"attention_mask has {attentionMask.shape[1]} columns; expected past + new = {s}");
            allowed = allowed.logical_and(attentionMask.to(device).ne(0).unsqueeze(1));               // [B, T, S]
        }
        var additive = torch.zeros([allowed.shape[0], queryLength, s], dtype, device)
            .masked_fill(allowed.logical_not(), torch.finfo(dtype).min);
        return additive.expand(batch, queryLength, s).unsqueeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>HF forward's default positions: `arange(past, past+T)` for every row (not adjusted for left padding).</summary>
    public static Tensor DefaultPositions(long batch, long queryLength, long pastLength, Device device) =>
        torch.arange(pastLength, pastLength + queryLength, dtype: ScalarType.Int64, device: device).unsqueeze(0).expand(batch, queryLength);

    /// <summary>HF generate's positions: `cumsum(mask) - 1`, set to 1 where the mask is 0.</summary>
    public static Tensor GenerationPositions(Tensor attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        var m = attentionMask.to(ScalarType.Int64);
        var pos = m.cumsum(-1) - 1;
        return pos.masked_fill(m.eq(0), 1).MoveToOuterDisposeScope();
    }
}
