using Reproduction.Qwen3;

namespace Reproduction.Benchmarks;

/// <summary>
/// A model shape the workloads run on, with random seeded weights (Qwen3ForCausalLM.Initialize): the `tiny` preset's
/// config (2 layers, hidden 96) with a 2,048-token vocabulary standing in for its task subset, and Qwen3-0.6B's real
/// config (hidden 1024, 16/8 heads of 128, MLP 3072, vocabulary 151,936, tied) cut to `layers` decoder layers so that
/// CPU time stays bounded; the name states the depth.
/// </summary>
public sealed record BenchShape(string Name, Qwen3Config Config)
{
    public const long TinyVocabulary = 2048;

    public static BenchShape Tiny() => new("tiny", Qwen3Config.Parse($$"""
        {"model_type":"qwen3","hidden_size":96,"intermediate_size":256,"num_hidden_layers":2,"num_attention_heads":4,
         "num_key_value_heads":2,"head_dim":24,"max_position_embeddings":512,"rope_theta":1000000.0,"rms_norm_eps":1e-6,
         "tie_word_embeddings":true,"hidden_act":"silu","vocab_size":{{TinyVocabulary}},"eos_token_id":0}
        """, "presets/tiny.json model.config (bench)"));

    public static BenchShape Qwen3_0_6B(int layers) => new($"0.6B-shaped/{layers}L", Qwen3Config.Parse($$"""
        {"architectures":["Qwen3ForCausalLM"],"model_type":"qwen3","hidden_size":1024,"intermediate_size":3072,"num_hidden_layers":{{layers}},
         "num_attention_heads":16,"num_key_value_heads":8,"head_dim":128,"vocab_size":151936,"max_position_embeddings":40960,
         "rope_theta":1000000,"rms_norm_eps":1e-06,"hidden_act":"silu","tie_word_embeddings":true,"bos_token_id":151643,"eos_token_id":151645}
        """, "Qwen3-0.6B config (bench, cut depth)"));

    public bool IsTiny => Config.HiddenSize == 96;
}
