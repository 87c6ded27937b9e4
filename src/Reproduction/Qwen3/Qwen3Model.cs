using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>transformers `Qwen3Model`: embed_tokens (unscaled), the decoder layers, the final norm.</summary>
public sealed class Qwen3Model : nn.Module
{
    [ComponentName(Name = "embed_tokens")] private readonly Qwen3Embedding _embedTokens;
    [ComponentName(Name = "layers")] private readonly ModuleList<Qwen3DecoderLayer> _layers;
    [ComponentName(Name = "norm")] private readonly Qwen3RMSNorm _norm;
    private readonly Qwen3RotaryEmbedding _rotary;

    public Qwen3Config Config { get; }

    /// <summary>
    /// transformers' `gradient_checkpointing`: while on, a forward that builds a graph (grad enabled, no KV cache, no
    /// trace) keeps one hidden state per layer and recomputes each layer in the backward (<see cref="GradientCheckpointing"/>).
    /// The trainers turn it on for their run when their `gradient_checkpointing` option says so.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    public Qwen3Model(Qwen3Config config, Func<string, Tensor> weights) : base(nameof(Qwen3Model))
    {
        Config = config;
        _embedTokens = new Qwen3Embedding(weights("embed_tokens.weight"));
        var layers = new Qwen3DecoderLayer[config.NumHiddenLayers];
        for (int i = 0; i < layers.Length; i++)
        {
            int index = i;
            layers[i] = new Qwen3DecoderLayer(config, index, n => weights($"layers.{index}.{n}"));
        }
        _layers = new ModuleList<Qwen3DecoderLayer>(layers);
        _norm = new Qwen3RMSNorm(weights("norm.weight"), config.RmsNormEps);
        _rotary = new Qwen3RotaryEmbedding(config.HeadDim, config.RopeTheta);
        RegisterComponents();
    }

    public Qwen3Embedding EmbedTokens => _embedTokens;
    public Qwen3RotaryEmbedding Rotary => _rotary;

    /// <summary>
    /// input_ids [B, T]; attention_mask [B, past+T] 0/1 or null; position_ids [B, T] or null (HF default arange(past, past+T)).
    /// Returns the final-normed hidden states [B, T, hidden] and, if asked, the per-layer residual stream.
    /// </summary>
    public (Tensor LastHidden, List<Tensor>? Hidden) Forward(Tensor inputIds, Tensor? attentionMask, Tensor? positionIds,
        KVCache? cache, bool outputHiddenStates, Action<string, Tensor>? trace)
    {
        long b = inputIds.shape[0], t = inputIds.shape[1];
        long past = cache?.Length ?? 0;
        var device = inputIds.device;
        var dtype = _embedTokens.Weight.dtype;
        var x = _embedTokens.forward(inputIds);
        var positions = positionIds ?? AttentionMasks.DefaultPositions(b, t, past, device);
        var (cos, sin) = _rotary.Forward(positions, dtype);
        var mask = AttentionMasks.Causal(attentionMask, b, t, past, dtype, device);
        var hidden = outputHiddenStates ? new List<Tensor> { x } : null;
        bool checkpoint = GradientCheckpointing && cache is null && trace is null && torch.is_grad_enabled() && x.requires_grad;
        for (int i = 0; i < _layers.Count; i++)
        {
            var prefix = $"layer_{i}.";
            Action<string, Tensor>? layerTrace = trace is null ? null : (name, tensor) => trace(prefix + name, tensor);
            // One scope per layer: the layer's temporaries go when it ends; only its output survives.
            using var scope = torch.NewDisposeScope();
            x = (checkpoint
                ? Qwen3.GradientCheckpointing.Layer(_layers[i], x, cos, sin, mask)
                : _layers[i].Forward(x, cos, sin, mask, cache, layerTrace)).MoveToOuterDisposeScope();
            hidden?.Add(x);
        }
        cache?.Advance(t);
        return (_norm.forward(x), hidden);
    }

    /// <summary>The rotary tables are not parameters or buffers (not in checkpoints), so they are freed here.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _rotary.Dispose();
        base.Dispose(disposing);
    }
}
