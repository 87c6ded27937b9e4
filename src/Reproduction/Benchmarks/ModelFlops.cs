using Reproduction.Qwen3;

namespace Reproduction.Benchmarks;

/// <summary>
/// Model FLOPs as the MFU numerator counts them (multiply-adds × 2; norms, RoPE, softmax and other elementwise work
/// are not counted):
///   forward  = 2 · P_layers · tokens  +  attention  +  2 · V · H · logit_rows
///   attention = layers · 4 · n_heads · head_dim · Σ_rows Σ_t (context of t)   (QKᵀ and AV, causal: t+1 keys at position t)
///   training = 3 × forward  (backward = 2 × forward), with logit_rows = the completion positions only.
/// P_layers = per-layer matmul weights (q, k, v, o, gate, up, down) × layers; the embedding lookup costs no FLOPs and
/// the tied lm_head is counted once per logit row.
/// </summary>
public static class ModelFlops
{
    public static double LayerParameters(Qwen3Config c)
    {
        double h = c.HiddenSize, q = c.NumAttentionHeads * c.HeadDim, kv = c.NumKeyValueHeads * c.HeadDim;
        return c.NumHiddenLayers * (h * q + 2 * h * kv + q * h + 3 * h * c.IntermediateSize);
    }

    /// <summary>Forward of `rows` sequences of `newTokens` each after `past` cached tokens, with `logitRows` logit rows in all.</summary>
    public static double Forward(Qwen3Config c, long rows, long newTokens, long past, long logitRows)
    {
        double tokens = rows * newTokens;
        // Σ_t (past + t + 1) for t in 0..newTokens-1
        double contexts = rows * (newTokens * (double)past + newTokens * (newTokens + 1) / 2.0);
        double attention = c.NumHiddenLayers * 4.0 * c.NumAttentionHeads * c.HeadDim * contexts;
        return 2 * LayerParameters(c) * tokens + attention + 2.0 * c.VocabSize * c.HiddenSize * logitRows;
    }

    public static double Training(Qwen3Config c, long rows, long tokens, long logitRows) => 3 * Forward(c, rows, tokens, 0, logitRows);

    /// <summary>Greedy generation of `newTokens` after a `prompt`-token prefill; with the cache each step is one token, without it the whole sequence.</summary>
    public static double Generation(Qwen3Config c, long rows, long prompt, long newTokens, bool useCache)
    {
        double total = Forward(c, rows, prompt, 0, rows);
        for (long s = 1; s < newTokens; s++)
            total += useCache ? Forward(c, rows, 1, prompt + s - 1, rows) : Forward(c, rows, prompt + s, 0, rows);
        return total;
    }
}
