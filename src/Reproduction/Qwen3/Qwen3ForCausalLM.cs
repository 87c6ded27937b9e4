using Reproduction.IO;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>
/// transformers `Qwen3ForCausalLM`: <see cref="Qwen3Model"/> plus `lm_head` (no bias, no softcap). With
/// `tie_word_embeddings` the head *is* the embedding matrix (shared storage, `_tied_weights_keys`), and
/// `lm_head.weight` is not a parameter of its own. Logits stay in the compute dtype; log-probs upcast them.
/// </summary>
public sealed class Qwen3ForCausalLM : nn.Module
{
    [ComponentName(Name = "model")] private readonly Qwen3Model _model;
    [ComponentName(Name = "lm_head")] private readonly Qwen3Linear? _lmHead;

    public Qwen3Config Config { get; }
    public GenerationConfig GenerationConfig { get; }
    public ScalarType Dtype { get; }
    public Device Device { get; }

    /// <summary>Builds the model from a weight source keyed by HF parameter name; each tensor is owned by the model afterwards.</summary>
    public Qwen3ForCausalLM(Qwen3Config config, Func<string, Tensor> weights, GenerationConfig? generationConfig = null) : base(nameof(Qwen3ForCausalLM))
    {
        Config = config;
        GenerationConfig = generationConfig ?? new GenerationConfig
        {
            BosTokenId = config.BosTokenId,
            EosTokenIds = config.EosTokenId is { } e ? [e] : [],
            PadTokenId = config.PadTokenId,
        };
        _model = new Qwen3Model(config, n => weights("model." + n));
        _lmHead = config.TieWordEmbeddings ? null : new Qwen3Linear(weights(Qwen3Config.LmHeadName));
        Dtype = _model.EmbedTokens.Weight.dtype;
        Device = _model.EmbedTokens.Weight.device;
        RegisterComponents();
    }

    public Qwen3Model Model => _model;

    /// <summary>transformers' `gradient_checkpointing_enable()` / `_disable()`: see <see cref="Qwen3Model.GradientCheckpointing"/>.</summary>
    public bool GradientCheckpointing { get => _model.GradientCheckpointing; set => _model.GradientCheckpointing = value; }

    /// <summary>Sets <see cref="GradientCheckpointing"/> until the returned scope is disposed, which restores the previous value (a trainer's run).</summary>
    public IDisposable GradientCheckpointingFor(bool on)
    {
        bool previous = GradientCheckpointing;
        GradientCheckpointing = on;
        return new Restore(() => GradientCheckpointing = previous);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    /// <summary>The output projection [vocab, hidden]: the embedding matrix when tied.</summary>
    public Tensor LmHeadWeight => _lmHead?.Weight ?? _model.EmbedTokens.Weight;

    /// <summary>
    /// Loads an HF model folder (config.json, generation_config.json, safetensors single or sharded), converting
    /// weights to `dtype` (float32, bfloat16 or float64) one tensor at a time. The checkpoint must hold exactly the
    /// parameters the config implies (a tied `lm_head.weight` copy is accepted and ignored).
    /// `attnImplementation`: "eager" (default; HF's eager path) or "sdpa" (torch SDPA; see <see cref="Qwen3Config.AttnImplementation"/>).
    /// </summary>
    public static Qwen3ForCausalLM FromPretrained(string folder, ScalarType dtype = ScalarType.Float32, Device? device = null,
        string attnImplementation = Qwen3Config.Eager)
    {
        if (!Directory.Exists(folder)) throw ReproException.ForFile(folder, "model folder not found");
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float64 or ScalarType.Float16))
            throw new ReproException($"--dtype: {dtype} is not a floating compute dtype");
        var config = Qwen3Config.Load(folder) with { AttnImplementation = attnImplementation };
        var generation = GenerationConfig.Load(folder, config);
        var reader = SafetensorsReader.Open(folder);
        var expected = config.ParameterShapes();
        var optional = config.TieWordEmbeddings ? new[] { (Qwen3Config.LmHeadName, new[] { config.VocabSize, config.HiddenSize }) } : [];
        reader.Validate(expected, optional);
        using var noGrad = torch.no_grad();
        return new Qwen3ForCausalLM(config, name => reader.Load(name, dtype, device).DetachFromDisposeScope(), generation);
    }

    /// <summary>
    /// A freshly initialised model, as transformers' `_init_weights` does it: linear and embedding weights
    /// ~ N(0, initializer_range²) (the pad_token_id embedding row zeroed), RMSNorm weights 1. Drawn in float32 from a
    /// generator seeded with `seed` (same seed, same weights), in <see cref="Qwen3Config.ParameterShapes"/> order, then cast to `dtype`.
    /// </summary>
    public static Qwen3ForCausalLM Initialize(Qwen3Config config, ulong seed, ScalarType dtype = ScalarType.Float32, Device? device = null,
        GenerationConfig? generationConfig = null)
    {
        using var generator = new torch.Generator(seed);
        using var noGrad = torch.no_grad();
        var shapes = config.ParameterShapes().ToDictionary(p => p.Name, p => p.Shape);
        var drawn = new Dictionary<string, Tensor>();
        foreach (var (name, shape) in config.ParameterShapes())
        {
            Tensor t;
            if (name.EndsWith("norm.weight", StringComparison.Ordinal) || name.EndsWith("layernorm.weight", StringComparison.Ordinal))
                t = torch.ones(shape, ScalarType.Float32);
            else
                t = torch.normal(0.0, config.InitializerRange, shape, ScalarType.Float32, generator: generator);
            if (name == "model.embed_tokens.weight" && config.PadTokenId is { } pad && pad >= 0 && pad < config.VocabSize)
                t[pad].zero_();
            drawn[name] = t.to(dtype, device ?? torch.CPU).DetachFromDisposeScope();
            if (!ReferenceEquals(drawn[name], t)) t.Dispose();
        }
        return new Qwen3ForCausalLM(config, name => drawn.Remove(name, out var t) ? t
            : throw new InvalidOperationException($"no initial value for '{name}'"), generationConfig);
    }

    /// <summary>
    /// Forward pass. input_ids [B, T] int64; attention_mask [B, past+T] 0/1 (null: no padding); position_ids [B, T]
    /// (null: HF forward's default arange(past, past+T), not pad-adjusted); a KV cache for incremental decoding.
    /// `logitsToKeep` as in HF: 0 = logits for all positions, n > 0 = the last n positions only, null = no logits
    /// (hidden states only; use <see cref="ComputeLogits"/> on the rows you need).
    /// </summary>
    public Qwen3Output Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KVCache? cache = null,
        int? logitsToKeep = 0, bool outputHiddenStates = false, Action<string, Tensor>? trace = null)
    {
        if (inputIds.dim() != 2) throw new ArgumentException($"input_ids must be [B, T], got [{string.Join(", ", inputIds.shape)}]");
        var (last, hidden) = _model.Forward(inputIds, attentionMask, positionIds, cache, outputHiddenStates, trace);
        Tensor? logits = null;
        if (logitsToKeep is { } keep)
        {
            long t = last.shape[1];
            var rows = keep <= 0 || keep >= t ? last : last.narrow(1, t - keep, keep);
            logits = ComputeLogits(rows);
        }
        return new Qwen3Output(logits, last, hidden);
    }

    /// <summary>`lm_head(h)` for any hidden rows [..., hidden] (compute dtype in, compute dtype out).</summary>
    public Tensor ComputeLogits(Tensor hidden) => Qwen3Linear.Apply(hidden, LmHeadWeight);

    /// <summary>
    /// Writes a `save_pretrained`-style folder (atomically): config.json with `torch_dtype` set, generation_config.json,
    /// weights in `dtype` (null: the compute dtype), sharded above `maxShardBytes`. With a `sourceFolder`, its
    /// config.json and generation_config.json are kept field for field (only torch_dtype changes) and its tokenizer
    /// files are copied. A tied model writes no `lm_head.weight`, like transformers.
    /// </summary>
    public void SavePretrained(string outFolder, ScalarType? dtype = null, long maxShardBytes = CheckpointFolder.DefaultMaxShardBytes,
        string? sourceFolder = null, bool overwrite = false)
    {
        var target = dtype ?? Dtype;
        string configJson;
        var sourceConfig = sourceFolder is null ? null : Path.Combine(sourceFolder, Qwen3Config.FileName);
        if (sourceConfig is not null && File.Exists(sourceConfig))
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(sourceConfig))!.AsObject();
            node["torch_dtype"] = DtypeNames.HfName(target);
            configJson = node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
        }
        else
        {
            configJson = (Config with { TorchDtype = DtypeNames.HfName(target) }).ToJson() + "\n";
        }
        var sourceGeneration = sourceFolder is null ? null : Path.Combine(sourceFolder, GenerationConfig.FileName);
        var generationJson = sourceGeneration is not null && File.Exists(sourceGeneration)
            ? File.ReadAllText(sourceGeneration)
            : GenerationConfig.ToJson() + "\n";

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var weights = NamedWeights().Select(w => (w.Name, w.Tensor.dtype == target ? w.Tensor.detach() : w.Tensor.detach().to(target))).ToList();
        CheckpointFolder.Save(outFolder, configJson, generationJson, weights, maxShardBytes, sourceFolder, overwrite);
    }

    /// <summary>Parameters by HF name, in HF's order (for saving). A tied model lists no `lm_head.weight`, like HF's save_pretrained.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> NamedWeights() =>
        named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
}
