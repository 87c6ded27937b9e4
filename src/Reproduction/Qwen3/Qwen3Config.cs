using System.Text.Json;
using System.Text.Json.Serialization;
using Reproduction.IO;

namespace Reproduction.Qwen3;

/// <summary>
/// A Qwen3 `config.json` (transformers `Qwen3Config`), immutable, with HF field names.
/// Size fields are required: HF's class defaults are 8B-like and would silently disagree with the
/// weights (implementation-notes §A.1). Other fields take HF's defaults: `head_dim` 128 (not
/// hidden/heads), `num_key_value_heads` = `num_attention_heads`, `rope_theta` 10000, `rms_norm_eps` 1e-6,
/// `tie_word_embeddings` false. Anything this implementation does not compute (rope scaling, attention
/// bias, sliding windows, another activation) is refused rather than ignored.
/// </summary>
public sealed record Qwen3Config
{
    public const string FileName = "config.json";

    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "qwen3";
    [JsonPropertyName("architectures")] public IReadOnlyList<string> Architectures { get; init; } = ["Qwen3ForCausalLM"];
    [JsonPropertyName("vocab_size")] public required long VocabSize { get; init; }
    [JsonPropertyName("hidden_size")] public required long HiddenSize { get; init; }
    [JsonPropertyName("intermediate_size")] public required long IntermediateSize { get; init; }
    [JsonPropertyName("num_hidden_layers")] public required int NumHiddenLayers { get; init; }
    [JsonPropertyName("num_attention_heads")] public required long NumAttentionHeads { get; init; }
    [JsonPropertyName("num_key_value_heads")] public required long NumKeyValueHeads { get; init; }
    [JsonPropertyName("head_dim")] public long HeadDim { get; init; } = 128;
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "silu";
    [JsonPropertyName("max_position_embeddings")] public long MaxPositionEmbeddings { get; init; } = 32768;
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; init; } = 1e-6;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000.0;
    [JsonPropertyName("rope_scaling")] public object? RopeScaling => null;
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; }
    [JsonPropertyName("attention_bias")] public bool AttentionBias => false;
    [JsonPropertyName("attention_dropout")] public double AttentionDropout { get; init; }
    /// <summary>Std of the normal init of linear and embedding weights (transformers `_init_weights`).</summary>
    [JsonPropertyName("initializer_range")] public double InitializerRange { get; init; } = 0.02;
    [JsonPropertyName("use_sliding_window")] public bool UseSlidingWindow => false;
    [JsonPropertyName("bos_token_id")] public long? BosTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public long? EosTokenId { get; init; }
    [JsonPropertyName("pad_token_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? PadTokenId { get; init; }
    /// <summary>The dtype the weights were saved in (`torch_dtype`, or `dtype` in newer transformers).</summary>
    [JsonPropertyName("torch_dtype")] public string? TorchDtype { get; init; }

    /// <summary>
    /// transformers' `_attn_implementation` (not saved to config.json): "eager" is the explicit path that matches HF
    /// eager bit for bit in structure; "sdpa" uses torch's scaled_dot_product_attention (faster; equal to eager within float32 rounding).
    /// </summary>
    [JsonIgnore] public string AttnImplementation { get; init; } = Eager;

    public const string Eager = "eager";
    public const string Sdpa = "sdpa";

    /// <summary>GQA: query heads per KV head (`num_key_value_groups`).</summary>
    [JsonIgnore] public long NumKeyValueGroups => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>Attention `scaling = head_dim ** -0.5` (head_dim, not hidden/heads).</summary>
    [JsonIgnore] public double Scaling => 1.0 / Math.Sqrt(HeadDim);

    /// <summary>Reads `config.json` from a model folder or a path to the file itself.</summary>
    public static Qwen3Config Load(string folderOrFile)
    {
        var file = Directory.Exists(folderOrFile) ? Path.Combine(folderOrFile, FileName) : folderOrFile;
        var (doc, f) = JsonFields.ParseFile(file);
        using (doc) return FromJson(f);
    }

    public static Qwen3Config Parse(string json, string file = FileName)
    {
        var (doc, f) = JsonFields.Parse(file, System.Text.Encoding.UTF8.GetBytes(json));
        using (doc) return FromJson(f);
    }

    internal static Qwen3Config FromJson(JsonFields f)
    {
        var file = f.File;
        var modelType = f.OptionalString("model_type") ?? throw ReproException.ForFile(file, "field 'model_type' is missing");
        if (modelType != "qwen3")
            throw ReproException.ForFile(file, $"field 'model_type' is \"{modelType}\"; only \"qwen3\" is supported");

        long heads = f.RequiredPositive("num_attention_heads");
        long layers = f.RequiredPositive("num_hidden_layers");
        if (layers > 100_000) throw ReproException.ForFile(file, $"field 'num_hidden_layers' is implausibly large ({layers})");

        // transformers: num_key_value_heads defaults to num_attention_heads (multi-head attention).
        long kvHeads = f.PositiveOr("num_key_value_heads", heads);
        if (heads % kvHeads != 0)
            throw ReproException.ForFile(file, $"field 'num_key_value_heads' ({kvHeads}) must divide 'num_attention_heads' ({heads})");

        string act = f.OptionalString("hidden_act") ?? "silu";
        if (act != "silu") throw ReproException.ForFile(file, $"field 'hidden_act' is \"{act}\"; only \"silu\" is supported");
        if (f.Bool("attention_bias", false)) throw ReproException.ForFile(file, "field 'attention_bias' is true; Qwen3 without q/k/v/o biases is supported only");
        if (f.Bool("use_sliding_window", false)) throw ReproException.ForFile(file, "field 'use_sliding_window' is true; sliding-window attention is not supported");

        double theta = f.Double("rope_theta", 10000.0);
        CheckRope(f.OptionalObject("rope_scaling"), file, ref theta);
        // Newer transformers move rope_theta/rope_scaling into rope_parameters.
        CheckRope(f.OptionalObject("rope_parameters"), file, ref theta);
        if (!(theta > 0)) throw ReproException.ForFile(file, $"field 'rope_theta' must be positive, got {theta}");
        // HF computes inv_freq = 1 / theta ** (2i/d) in float32: a theta beyond float32's range cannot be represented there.
        if (!(theta <= float.MaxValue)) throw ReproException.ForFile(file, $"field 'rope_theta' must be at most {float.MaxValue:G9} (RoPE tables are float32), got {theta}");

        double eps = f.Double("rms_norm_eps", 1e-6);
        if (!(eps > 0)) throw ReproException.ForFile(file, $"field 'rms_norm_eps' must be positive, got {eps}");

        var archs = new List<string>();
        if (f.Get("architectures") is { } a)
        {
            if (a.ValueKind != JsonValueKind.Array) throw ReproException.ForFile(file, $"field 'architectures' must be a list of strings, got {JsonFields.Kind(a)}");
            foreach (var item in a.EnumerateArray())
                archs.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw ReproException.ForFile(file, "field 'architectures' must be a list of strings"));
        }

        long? eos = null;
        var eosList = f.LongOrList("eos_token_id");
        if (eosList.Length > 0) eos = eosList[0];

        var dtype = f.OptionalString("torch_dtype") ?? f.OptionalString("dtype");
        if (dtype is not null && !DtypeNames.IsKnownName(dtype))
            throw ReproException.ForFile(file, $"field 'torch_dtype' is \"{dtype}\"; expected float32, bfloat16, float16 or float64");

        return new Qwen3Config
        {
            ModelType = modelType,
            Architectures = archs.Count > 0 ? archs : ["Qwen3ForCausalLM"],
            VocabSize = f.RequiredPositive("vocab_size"),
            HiddenSize = f.RequiredPositive("hidden_size"),
            IntermediateSize = f.RequiredPositive("intermediate_size"),
            NumHiddenLayers = (int)layers,
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = f.PositiveOr("head_dim", 128), // HF Qwen3Config: head_dim defaults to 128
            HiddenAct = act,
            MaxPositionEmbeddings = f.PositiveOr("max_position_embeddings", 32768),
            RmsNormEps = eps,
            RopeTheta = theta,
            TieWordEmbeddings = f.Bool("tie_word_embeddings", false),
            AttentionDropout = f.Double("attention_dropout", 0.0),
            InitializerRange = f.Double("initializer_range", 0.02),
            BosTokenId = f.OptionalLong("bos_token_id"),
            EosTokenId = eos,
            PadTokenId = f.OptionalLong("pad_token_id"),
            TorchDtype = dtype,
        };
    }

    private static void CheckRope(JsonFields? rope, string file, ref double theta)
    {
        if (rope is not { } r) return;
        var kind = r.OptionalString("rope_type") ?? r.OptionalString("type") ?? "default";
        if (kind != "default")
            throw ReproException.ForFile(file, $"field '{r.Prefix}rope_type' is \"{kind}\"; only default RoPE is supported");
        if (r.OptionalDouble("rope_theta") is { } t) theta = t;
    }

    /// <summary>HF-style JSON (2-space indent), for checkpoints this project writes.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Parameter names and shapes a checkpoint of this config holds (lm_head only when untied).</summary>
    public IReadOnlyList<(string Name, long[] Shape)> ParameterShapes()
    {
        var list = new List<(string, long[])> { ("model.embed_tokens.weight", [VocabSize, HiddenSize]) };
        for (int i = 0; i < NumHiddenLayers; i++)
        {
            var p = $"model.layers.{i}.";
            list.Add((p + "input_layernorm.weight", [HiddenSize]));
            list.Add((p + "self_attn.q_proj.weight", [NumAttentionHeads * HeadDim, HiddenSize]));
            list.Add((p + "self_attn.k_proj.weight", [NumKeyValueHeads * HeadDim, HiddenSize]));
            list.Add((p + "self_attn.v_proj.weight", [NumKeyValueHeads * HeadDim, HiddenSize]));
            list.Add((p + "self_attn.o_proj.weight", [HiddenSize, NumAttentionHeads * HeadDim]));
            list.Add((p + "self_attn.q_norm.weight", [HeadDim]));
            list.Add((p + "self_attn.k_norm.weight", [HeadDim]));
            list.Add((p + "post_attention_layernorm.weight", [HiddenSize]));
            list.Add((p + "mlp.gate_proj.weight", [IntermediateSize, HiddenSize]));
            list.Add((p + "mlp.up_proj.weight", [IntermediateSize, HiddenSize]));
            list.Add((p + "mlp.down_proj.weight", [HiddenSize, IntermediateSize]));
        }
        list.Add(("model.norm.weight", [HiddenSize]));
        if (!TieWordEmbeddings) list.Add((LmHeadName, [VocabSize, HiddenSize]));
        return list;
    }

    public const string LmHeadName = "lm_head.weight";
}
