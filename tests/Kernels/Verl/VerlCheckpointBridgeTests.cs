using System.IO.Compression;
using System.Text.Json;
using Repro.Tests.Cli;
using Repro.Tests.IO;
using Reproduction.Cli;
using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Verl;

/// <summary>
/// The checkpoint bridge: what verl's model merger (`python -m verl.model_merger merge --backend fsdp ... --target_dir`)
/// writes is a transformers `save_pretrained` folder: config.json, generation_config.json, the tokenizer files, and
/// bfloat16 weights in `model-0000K-of-0000N.safetensors` shards with `model.safetensors.index.json`; the full Qwen3
/// vocabulary and nothing of repro's own (no vocab_subset.json). Such a folder loads in `repro eval` unchanged.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class VerlCheckpointBridgeTests : IDisposable
{
    private readonly TempFolder _tmp = new();
    public void Dispose() => _tmp.Dispose();

    /// <summary>Small enough that the 151,936 × 16 embedding (4.9 MB in bf16) gets a shard of its own.</summary>
    private const long ShardBytes = 2_000_000;

    // Qwen3-0.6B's config.json with every size cut down, as transformers writes it (extra keys included).
    private const string ConfigJson = """
        {
          "architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 151643,
          "eos_token_id": 151645, "head_dim": 8, "hidden_act": "silu", "hidden_size": 16, "initializer_range": 0.02,
          "intermediate_size": 32, "max_position_embeddings": 512, "max_window_layers": 2, "model_type": "qwen3",
          "num_attention_heads": 2, "num_hidden_layers": 2, "num_key_value_heads": 1, "rms_norm_eps": 1e-06, "rope_scaling": null,
          "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
          "transformers_version": "4.51.0", "use_cache": true, "use_sliding_window": false, "vocab_size": 151936
        }
        """;

    private const string GenerationJson = """
        {"bos_token_id": 151643, "do_sample": true, "eos_token_id": [151645, 151643], "pad_token_id": 151643, "temperature": 0.6, "top_k": 20, "top_p": 0.95, "transformers_version": "4.51.0"}
        """;

    private string VerlMergedCheckpoint()
    {
        var source = Directory.CreateDirectory(_tmp.File("hf-config")).FullName;
        File.WriteAllText(Path.Combine(source, "config.json"), ConfigJson);
        File.WriteAllText(Path.Combine(source, "generation_config.json"), GenerationJson);
        var shipped = Path.Combine(global::Repro.Tests.SharedData.RepoRoot, "assets", "qwen3-tokenizer");
        using (var gz = new GZipStream(File.OpenRead(Path.Combine(shipped, "tokenizer.json.gz")), CompressionMode.Decompress))
        using (var output = File.Create(Path.Combine(source, "tokenizer.json")))
            gz.CopyTo(output);
        File.Copy(Path.Combine(shipped, "tokenizer_config.json"), Path.Combine(source, "tokenizer_config.json"));

        var dir = _tmp.File("global_step_10-hf");
        using var model = Qwen3ForCausalLM.Initialize(Qwen3Config.Parse(ConfigJson), seed: 7, ScalarType.BFloat16);
        model.SavePretrained(dir, ScalarType.BFloat16, ShardBytes, source);
        return dir;
    }

    [Fact]
    public void A_sharded_bfloat16_hf_export_has_the_layout_verls_model_merger_writes()
    {
        var dir = VerlMergedCheckpoint();
        var names = Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["config.json", "generation_config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
            "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json"], names);
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "model.safetensors.index.json")));
        var map = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal("model-00001-of-00002.safetensors", map["model.embed_tokens.weight"]);
        Assert.DoesNotContain("lm_head.weight", map.Keys);   // tied, as save_pretrained writes Qwen3-0.6B
    }

    [Fact]
    public void Repro_eval_loads_the_sharded_export_and_reports_both_metrics()
    {
        var dir = VerlMergedCheckpoint();
        var evalDir = _tmp.File("eval");
        int code;
        string stderr;
        using (var capture = new ConsoleCapture())
        {
            code = ReproCli.Run(["eval", "--model", dir, "--limit", "2", "--max-new-tokens", "3", "--dtype", "float32", "--out", evalDir]);
            stderr = capture.Error.ToString();
        }
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(evalDir, "eval.json")));
        var result = doc.RootElement;
        Assert.Equal(2, result.GetProperty("prompts").GetInt32());
        var ce = result.GetProperty("sft_ce");
        Assert.True(ce.GetProperty("tokens").GetInt64() > 0);
        Assert.True(double.IsFinite(ce.GetProperty("mean_token_nll").GetDouble()) && ce.GetProperty("mean_token_nll").GetDouble() > 0);
        var rewards = result.GetProperty("rewards").GetProperty("rewards").EnumerateArray().Select(r => r.GetProperty("reward").GetString()).ToList();
        Assert.Equal(["robust_cola", "strict_cola", "strict_cola_fixed", "label_only"], rewards);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(evalDir, "completions.jsonl")).Length);
    }

    [Fact]
    public void The_shards_load_back_to_exactly_the_saved_weights()
    {
        var dir = VerlMergedCheckpoint();
        using var original = Qwen3ForCausalLM.Initialize(Qwen3Config.Parse(ConfigJson), seed: 7, ScalarType.BFloat16);
        using var loaded = Qwen3ForCausalLM.FromPretrained(dir, ScalarType.BFloat16);
        var expected = original.NamedWeights().ToDictionary(w => w.Name, w => w.Tensor);
        var actual = loaded.NamedWeights();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Select(w => w.Name).Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in actual)
            Assert.True(expected[name].equal(tensor).all().item<bool>(), $"{name} differs after the round trip");
    }
}
