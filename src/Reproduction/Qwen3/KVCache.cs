using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>
/// A preallocated key/value cache: per layer, keys and values [B, kv_heads, capacity, head_dim] in the compute
/// dtype. Keys are stored *after* RoPE, as in transformers' DynamicCache. All rows share one length (left padding
/// keeps prompts aligned). The cache owns its tensors (outside any dispose scope) and frees them on Dispose.
/// Inference only: writes happen in place, so no autograd graph runs through it.
/// </summary>
public sealed class KVCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    public long BatchSize { get; }
    public long Capacity { get; }
    /// <summary>Positions already stored (`past_key_values_length`).</summary>
    public long Length { get; private set; }

    public KVCache(Qwen3Config config, long batchSize, long capacity, ScalarType dtype, Device? device = null)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "capacity must be positive");
        BatchSize = batchSize;
        Capacity = capacity;
        _keys = new Tensor[config.NumHiddenLayers];
        _values = new Tensor[config.NumHiddenLayers];
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            _keys[i] = torch.zeros([batchSize, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device).DetachFromDisposeScope();
            _values[i] = torch.zeros([batchSize, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device).DetachFromDisposeScope();
        }
    }

    /// <summary>
    /// Stores this step's k, v [B, kv_heads, T, d] for `layer` at positions [Length, Length+T) and returns views of
    /// all keys and values so far [B, kv_heads, Length+T, d]. <see cref="Advance"/> commits the step after the last layer.
    /// </summary>
    public (Tensor Keys, Tensor Values) Update(int layer, Tensor k, Tensor v)
    {
        long t = k.shape[2];
        if (Length + t > Capacity)
            throw new InvalidOperationException($"KV cache full: {Length} + {t} positions exceed capacity {Capacity}");
        using (torch.no_grad())
        {
            _keys[layer].narrow(2, Length, t).copy_(k);
            _values[layer].narrow(2, Length, t).copy_(v);
        }
        return (_keys[layer].narrow(2, 0, Length + t), _values[layer].narrow(2, 0, Length + t));
    }

    public void Advance(long steps) => Length += steps;

    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}
