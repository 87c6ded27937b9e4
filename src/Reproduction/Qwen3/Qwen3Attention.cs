using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>
/// transformers `Qwen3Attention`, eager path:
/// q = q_norm(q_proj(x).view(B,T,-1,d)).transpose(1,2), same for k with k_norm (before RoPE; v has no norm);
/// RoPE on q, k; cache update after RoPE; GQA repeat_kv (query head h reads kv head h // n_rep);
/// `softmax(q·kᵀ·scaling + mask, dtype=float32).to(q.dtype) · v`, scaling = head_dim^-0.5; o_proj.
/// The explicit path is used (not SDPA) so bf16 rounding points and fully masked rows match HF
/// (a finite additive mask gives pad query rows uniform attention instead of NaN).
/// </summary>
public sealed class Qwen3Attention : nn.Module
{
    [ComponentName(Name = "q_proj")] private readonly Qwen3Linear _qProj;
    [ComponentName(Name = "k_proj")] private readonly Qwen3Linear _kProj;
    [ComponentName(Name = "v_proj")] private readonly Qwen3Linear _vProj;
    [ComponentName(Name = "o_proj")] private readonly Qwen3Linear _oProj;
    [ComponentName(Name = "q_norm")] private readonly Qwen3RMSNorm _qNorm;
    [ComponentName(Name = "k_norm")] private readonly Qwen3RMSNorm _kNorm;

    private readonly long _heads;
    private readonly long _kvHeads;
    private readonly long _headDim;
    private readonly double _scaling;
    private readonly bool _sdpa;

    public Qwen3Attention(Qwen3Config config, Func<string, Tensor> weights) : base(nameof(Qwen3Attention))
    {
        _qProj = new Qwen3Linear(weights("q_proj.weight"));
        _kProj = new Qwen3Linear(weights("k_proj.weight"));
        _vProj = new Qwen3Linear(weights("v_proj.weight"));
        _oProj = new Qwen3Linear(weights("o_proj.weight"));
        // "unlike olmo, only on the head dim!": one [head_dim] weight shared by all heads.
        _qNorm = new Qwen3RMSNorm(weights("q_norm.weight"), config.RmsNormEps);
        _kNorm = new Qwen3RMSNorm(weights("k_norm.weight"), config.RmsNormEps);
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _scaling = config.Scaling;
        _sdpa = config.AttnImplementation switch
        {
            Qwen3Config.Eager => false,
            Qwen3Config.Sdpa => true,
            var other => throw new ReproException($"attn_implementation: \"{other}\" is not supported (eager or sdpa)"),
        };
        RegisterComponents();
    }

    /// <summary>x [B, T, hidden]; cos/sin [B, T, d]; mask additive [B, 1, T, S] or null; returns [B, T, hidden].</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KVCache? cache, int layerIndex, Action<string, Tensor>? trace)
    {
        long b = x.shape[0], t = x.shape[1];
        // Each trace point follows its own op, so a profiler timing between trace points charges each op to its name.
        var qLin = _qProj.forward(x);
        trace?.Invoke("q_proj", qLin);
        var kLin = _kProj.forward(x);
        trace?.Invoke("k_proj", kLin);
        var vLin = _vProj.forward(x);
        trace?.Invoke("v_proj", vLin);

        var q = _qNorm.forward(qLin.view(b, t, _heads, _headDim)).transpose(1, 2);
        trace?.Invoke("q_norm", q);
        var k = _kNorm.forward(kLin.view(b, t, _kvHeads, _headDim)).transpose(1, 2);
        trace?.Invoke("k_norm", k);
        var v = vLin.view(b, t, _kvHeads, _headDim).transpose(1, 2);

        q = Qwen3RotaryEmbedding.Apply(q, cos, sin);
        trace?.Invoke("q_rope", q);
        k = Qwen3RotaryEmbedding.Apply(k, cos, sin);
        trace?.Invoke("k_rope", k);

        if (cache is not null) (k, v) = cache.Update(layerIndex, k, v);

        k = RepeatKv(k, _heads / _kvHeads);
        v = RepeatKv(v, _heads / _kvHeads);

        Tensor attn;
        if (_sdpa && trace is null)
        {
            // SDPA's default scale is 1/sqrt(head_dim), which is Qwen3's `scaling`; the finite additive mask keeps pad rows finite.
            attn = nn.functional.scaled_dot_product_attention(q, k, v, mask);
            attn = attn.transpose(1, 2).contiguous().reshape(b, t, _heads * _headDim);
            return _oProj.forward(attn);
        }

        var scores = torch.matmul(q, k.transpose(2, 3)) * _scaling;
        if (mask is not null) scores = scores + mask;
        // HF: softmax(..., dtype=float32).to(query.dtype); the float64 reference keeps float64.
        var softmaxDtype = q.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var probs = scores.softmax(-1, softmaxDtype).to(q.dtype);
        trace?.Invoke("attn_probs", probs);

        attn = torch.matmul(probs, v).transpose(1, 2).contiguous().reshape(b, t, _heads * _headDim);
        trace?.Invoke("attn_out", attn);
        var o = _oProj.forward(attn);
        trace?.Invoke("o_proj", o);
        return o;
    }

    /// <summary>transformers `repeat_kv`: expand(B, kv, n_rep, T, d).reshape(B, kv*n_rep, T, d), i.e. repeat_interleave on heads.</summary>
    public static Tensor RepeatKv(Tensor x, long nRep)
    {
        if (nRep == 1) return x;
        long b = x.shape[0], kv = x.shape[1], t = x.shape[2], d = x.shape[3];
        return x.unsqueeze(2).expand(b, kv, nRep, t, d).reshape(b, kv * nRep, t, d);
    }
}
