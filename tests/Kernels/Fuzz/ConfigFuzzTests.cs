using System.Text.Json.Nodes;
using Reproduction.Qwen3;
using Repro.Tests.IO;

namespace Repro.Tests.Fuzz;

/// <summary>
/// Fuzzes config.json and generation_config.json from the golden checkpoint: fields deleted, retyped, negated,
/// made huge, duplicated or invented; head counts that do not divide; then text-level damage. Each mutated config
/// loads or is refused with "PATH: problem"; a mutated config.json beside the golden weights also goes through
/// <see cref="Qwen3ForCausalLM.FromPretrained"/> (so sizes that disagree with the weights are refused, never allocated).
/// </summary>
public sealed class ConfigFuzzTests
{
    private static string Golden => Repro.Tests.SharedData.Require("golden", "qwen3-tiny", "f32");

    private static readonly string[] SizeFields = ["vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
        "num_key_value_heads", "head_dim", "max_position_embeddings"];

    /// <summary>A config-specific change: a size field set to a value that is negative, zero, huge, or does not divide.</summary>
    private static bool SizeMutation(Random r, JsonNode root)
    {
        if (root is not JsonObject o) return false;
        long[] values = [-1, 0, 1, 3, 5, 7, 96, 100_001, 1L << 31, 1L << 40, long.MaxValue];
        o[SizeFields[r.Next(SizeFields.Length)]] = values[r.Next(values.Length)];
        return true;
    }

    private static void ConfigMutations(int cases)
    {
        var golden = Golden;
        var original = Mutations.ParseJson(File.ReadAllText(Path.Combine(golden, Qwen3Config.FileName)));
        using var tmp = new TempFolder();
        File.Copy(Path.Combine(golden, "model.safetensors"), tmp.File("model.safetensors"));
        File.Copy(Path.Combine(golden, GenerationConfig.FileName), tmp.File(GenerationConfig.FileName));
        var path = tmp.File(Qwen3Config.FileName);
        FuzzCase.Run(cases, c =>
        {
            var r = c.Random();
            File.WriteAllBytes(path, Mutations.MutateJson(r, original, c.Mutations, SizeMutation));
            var refusal = LoadContract.Check(path, () => Qwen3Config.Load(path), c);
            if (refusal is null && r.Next(4) == 0)
                LoadContract.Check(tmp.Path, () => { using var m = Qwen3ForCausalLM.FromPretrained(tmp.Path); }, c);
        });
    }

    [Fact]
    public void Config_json_mutations_load_or_are_refused() => ConfigMutations(FuzzBudget.Small);

    [Fact, Trait("Category", "Fuzz")]
    public void Config_json_mutations_load_or_are_refused_large()
    {
        FuzzBudget.RequireOptIn();
        ConfigMutations(FuzzBudget.Large);
    }

    private static void GenerationConfigMutations(int cases)
    {
        var original = Mutations.ParseJson(File.ReadAllText(Path.Combine(Golden, GenerationConfig.FileName)));
        // The fields HF writes that the golden file leaves out, so they get mutated too.
        original["temperature"] = 0.6;
        original["top_p"] = 0.95;
        original["top_k"] = 20;
        original["eos_token_id"] = new JsonArray(511, 510);
        original["max_new_tokens"] = 32;
        using var tmp = new TempFolder();
        var path = tmp.File(GenerationConfig.FileName);
        FuzzCase.Run(cases, c =>
        {
            File.WriteAllBytes(path, Mutations.MutateJson(c.Random(), original, c.Mutations));
            LoadContract.Check(path, () => GenerationConfig.Load(tmp.Path), c);
        });
    }

    [Fact]
    public void Generation_config_mutations_load_or_are_refused() => GenerationConfigMutations(FuzzBudget.Small);

    [Fact, Trait("Category", "Fuzz")]
    public void Generation_config_mutations_load_or_are_refused_large()
    {
        FuzzBudget.RequireOptIn();
        GenerationConfigMutations(FuzzBudget.Large);
    }

    [Theory]
    [InlineData("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3", "field 'num_key_value_heads' (3) must divide 'num_attention_heads' (4)")]
    [InlineData("\"hidden_size\": 64", "\"hidden_size\": -64", "field 'hidden_size' must be positive, got -64")]
    [InlineData("\"vocab_size\": 512", "\"vocab_size\": \"512\"", "field 'vocab_size' must be an integer, got string \"512\"")]
    [InlineData("\"num_hidden_layers\": 2,", "", "field 'num_hidden_layers' is missing")]
    public void Named_config_mutations_are_refused_with_the_field(string from, string to, string problem)
    {
        using var tmp = new TempFolder();
        var path = tmp.File(Qwen3Config.FileName);
        File.WriteAllText(path, File.ReadAllText(Path.Combine(Golden, Qwen3Config.FileName)).Replace(from, to));
        Assert.Equal($"{path}: {problem}", LoadContract.Check(path, () => Qwen3Config.Load(path), "named"));
    }

    [Theory]
    [InlineData("\"model_type\": \"\\ud800\"")]     // an escaped lone surrogate
    [InlineData("\"model_type\": \"qw\u00FF!\"")]     // a raw 0xFF byte inside a string
    [InlineData("\"\\udc00\": 1")]                     // in a property name
    public void A_string_that_does_not_decode_is_refused_as_invalid_json(string field)
    {
        using var tmp = new TempFolder();
        var path = tmp.File(Qwen3Config.FileName);
        File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes("{" + field + ", \"vocab_size\": 512}"));
        Assert.StartsWith($"{path}: not valid JSON (a string does not decode", LoadContract.Check(path, () => Qwen3Config.Load(path), "named"));
    }

    [Fact]
    public void A_line_break_quoted_from_the_file_is_escaped_so_the_message_stays_one_line()
    {
        using var tmp = new TempFolder();
        var path = tmp.File(Qwen3Config.FileName);
        File.WriteAllText(path, "{\"model_type\": \"qwen3\\nllama\"}");
        Assert.Equal($"{path}: field 'model_type' is \"qwen3\\nllama\"; only \"qwen3\" is supported", LoadContract.Check(path, () => Qwen3Config.Load(path), "named"));
    }
}
