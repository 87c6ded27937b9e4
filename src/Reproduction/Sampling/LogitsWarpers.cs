using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Sampling;

/// <summary>
/// transformers' sampling warpers, applied in HF's order (temperature, top-k, top-p) to float32 logits [B, V].
/// Removed entries become -inf, so softmax gives them probability 0.
/// </summary>
public static class LogitsWarpers
{
    /// <summary>All three, as `generate(do_sample=True)` applies them; identity for temperature 1, top_k 0, top_p 1.</summary>
    public static Tensor Apply(Tensor logits, SamplingOptions o)
    {
        var x = logits;
        if (o.Temperature != 1.0) x = Temperature(x, o.Temperature);
        if (o.TopK > 0) x = TopK(x, o.TopK);
        if (o.TopP < 1.0) x = TopP(x, o.TopP);
        return x;
    }

    /// <summary>`TemperatureLogitsWarper`: scores / temperature.</summary>
    public static Tensor Temperature(Tensor logits, double temperature) => logits / temperature;

    /// <summary>`TopKLogitsWarper`: remove scores below the k-th largest (ties with it are kept).</summary>
    public static Tensor TopK(Tensor logits, int k)
    {
        k = (int)Math.Min(k, logits.shape[^1]);
        var (values, _) = logits.topk(k, dim: -1);
        var kth = values.narrow(-1, k - 1, 1);
        return logits.masked_fill(logits.lt(kth), double.NegativeInfinity);
    }

    /// <summary>
    /// `TopPLogitsWarper`: sort ascending, remove tokens whose cumulative probability is `&lt;= 1 - top_p`,
    /// always keeping the most likely token (min_tokens_to_keep = 1).
    /// </summary>
    public static Tensor TopP(Tensor logits, double topP)
    {
        var (sorted, indices) = logits.sort(-1, descending: false);
        var cumulative = sorted.softmax(-1).cumsum(-1);
        var removeSorted = cumulative.le(1 - topP);
        removeSorted.narrow(-1, removeSorted.shape[^1] - 1, 1).fill_(false);
        var remove = removeSorted.scatter(-1, indices, removeSorted);
        return logits.masked_fill(remove, double.NegativeInfinity);
    }
}
