using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>transformers `Qwen3DecoderLayer` (pre-norm): h = x + attn(input_layernorm(x)); out = h + mlp(post_attention_layernorm(h)).</summary>
public sealed class Qwen3DecoderLayer : nn.Module
{
    [ComponentName(Name = "self_attn")] private readonly Qwen3Attention _selfAttn;
    [ComponentName(Name = "mlp")] private readonly Qwen3MLP _mlp;
    [ComponentName(Name = "input_layernorm")] private readonly Qwen3RMSNorm _inputLayernorm;
    [ComponentName(Name = "post_attention_layernorm")] private readonly Qwen3RMSNorm _postAttentionLayernorm;
    private readonly int _index;

    public Qwen3DecoderLayer(Qwen3Config config, int index, Func<string, Tensor> weights) : base(nameof(Qwen3DecoderLayer))
    {
        _index = index;
        _inputLayernorm = new Qwen3RMSNorm(weights("input_layernorm.weight"), config.RmsNormEps);
        _selfAttn = new Qwen3Attention(config, n => weights("self_attn." + n));
        _postAttentionLayernorm = new Qwen3RMSNorm(weights("post_attention_layernorm.weight"), config.RmsNormEps);
        _mlp = new Qwen3MLP(n => weights("mlp." + n));
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KVCache? cache, Action<string, Tensor>? trace)
    {
        var normed = _inputLayernorm.forward(x);
        trace?.Invoke("input_layernorm", normed);
        var h = x + _selfAttn.Forward(normed, cos, sin, mask, cache, _index, trace);
        trace?.Invoke("resid_after_attn", h);
        var normed2 = _postAttentionLayernorm.forward(h);
        trace?.Invoke("post_attention_layernorm", normed2);
        var m = _mlp.forward(normed2);
        trace?.Invoke("mlp_out", m);
        var output = h + m;
        trace?.Invoke("out", output);
        return output;
    }
}
