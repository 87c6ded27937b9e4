using System.Text.Json.Nodes;
using Reproduction;
using Reproduction.Qwen3;

namespace Repro.Tests.Qwen3;

/// <summary>config.json and generation_config.json are read with HF's names and defaults, and bad files are refused naming the field.</summary>
public sealed class Qwen3ConfigTests
{
    private const string Minimal = """
        {"model_type":"qwen3","vocab_size":512,"hidden_size":64,"intermediate_size":160,"num_hidden_layers":2,"num_attention_heads":4}
        """;

    private static string With(string field, JsonNode? value)
    {
        var o = JsonNode.Parse(Minimal)!.AsObject();
        o[field] = value;
        return o.ToJsonString();
    }

    private static string Without(string field)
    {
        var o = JsonNode.Parse(Minimal)!.AsObject();
        o.Remove(field);
        return o.ToJsonString();
    }

    [Fact]
    public void The_golden_config_is_read_with_its_explicit_head_dim()
    {
        var c = Qwen3Config.Load(Repro.Tests.SharedData.Require("golden", "qwen3-tiny", "f32"));
        Assert.Equal(24, c.HeadDim);
        Assert.Equal(2, c.NumKeyValueGroups);
        Assert.Equal(1_000_000, c.RopeTheta);
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal(1.0 / Math.Sqrt(24), c.Scaling);
    }

    [Fact]
    public void Missing_optional_fields_take_hf_defaults()
    {
        var c = Qwen3Config.Parse(Minimal);
        Assert.Equal(128, c.HeadDim);               // HF Qwen3Config default, not hidden/heads = 16
        Assert.Equal(4, c.NumKeyValueHeads);        // defaults to num_attention_heads
        Assert.Equal(10000.0, c.RopeTheta);
        Assert.Equal(1e-6, c.RmsNormEps);
        Assert.False(c.TieWordEmbeddings);
    }

    [Fact]
    public void Rope_parameters_of_newer_transformers_are_read()
    {
        var c = Qwen3Config.Parse(With("rope_parameters", JsonNode.Parse("""{"rope_type":"default","rope_theta":5000}""")));
        Assert.Equal(5000, c.RopeTheta);
    }

    public static TheoryData<string, string> BadConfigs => new()
    {
        { With("model_type", "llama"), "model_type" },
        { With("rope_scaling", JsonNode.Parse("""{"rope_type":"yarn","factor":4}""")), "rope_type" },
        { With("hidden_size", "64"), "hidden_size" },
        { With("num_hidden_layers", 2.5), "num_hidden_layers" },
        { Without("vocab_size"), "vocab_size" },
        { With("intermediate_size", -1), "intermediate_size" },
        { With("num_key_value_heads", 3), "num_key_value_heads" },
        { With("head_dim", 0), "head_dim" },
        { With("tie_word_embeddings", "yes"), "tie_word_embeddings" },
        { With("hidden_act", "gelu"), "hidden_act" },
        { With("use_sliding_window", true), "use_sliding_window" },
        { With("rope_theta", 1e300), "rope_theta" },                       // beyond float32, where HF builds the RoPE tables (a fuzz find)
        { "[1, 2]", "object" },
        { "{not json", "JSON" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void A_bad_config_is_refused_naming_the_file_and_field(string json, string field)
    {
        var e = Assert.Throws<ReproException>(() => Qwen3Config.Parse(json, "/m/config.json"));
        Assert.StartsWith("/m/config.json: ", e.Message);
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Eos_token_id_may_be_a_list()
    {
        var g = GenerationConfig.Parse("""{"bos_token_id":151643,"do_sample":true,"eos_token_id":[151645,151643],"pad_token_id":151643,"temperature":0.6,"top_k":20,"top_p":0.95}""");
        Assert.Equal([151645L, 151643L], g.EosTokenIds);
        Assert.Equal(20, g.TopK);
        Assert.Equal([511L], GenerationConfig.Load(Repro.Tests.SharedData.Require("golden", "qwen3-tiny", "f32")).EosTokenIds);
    }

    [Fact]
    public void A_missing_config_file_is_refused_naming_it()
    {
        var e = Assert.Throws<ReproException>(() => Qwen3Config.Load("/nonexistent/model"));
        Assert.Contains("/nonexistent/model", e.Message);
    }
}
