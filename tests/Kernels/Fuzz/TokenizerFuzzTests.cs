using System.Text;
using System.Text.Json.Nodes;
using Reproduction.Text;
using Repro.Tests.IO;
using Repro.Tests.Text;

namespace Repro.Tests.Fuzz;

/// <summary>
/// Fuzzes tokenizer files. The real tokenizer.json is 11 MB, so the mutations start from the tiny byte-level BPE
/// tokenizer of <see cref="TokenizerFileErrorTests"/> (same structure, same required Qwen3 tokens): broken JSON, missing or
/// malformed merges, vocabulary ids that are negative, huge, repeated or of the wrong type, added tokens with unknown or
/// clashing ids. The older vocab.json + merges.txt + tokenizer_config.json layout and the shipped (sha256-pinned)
/// tokenizer_config.json are mutated too. Each case loads (and then encodes and decodes) or is refused with "PATH: problem".
/// </summary>
public sealed class TokenizerFuzzTests
{
    private const string Sample = "<|im_start|>abba ab<think>b</think><|im_end|>";

    /// <summary>A tokenizer-specific change: a vocabulary id, a merge, or an added token.</summary>
    private static bool TokenizerMutation(Random r, JsonNode root)
    {
        int[] ids = [-1, 0, 2, 3, 7, 8, 1000, 1 << 20, int.MaxValue - 1, int.MaxValue];
        string[] merges = ["a  b", "a", "", " a b", "a b ", "ab b", "a c", "b a", "a\tb"];
        switch (r.Next(4))
        {
            case 0 when (root["model"]?["vocab"]) is JsonObject vocab && vocab.Count > 0:
                vocab[vocab.ElementAt(r.Next(vocab.Count)).Key] = ids[r.Next(ids.Length)];
                return true;
            case 1 when (root["model"]?["merges"]) is JsonArray m:
                m.Add(r.Next(3) == 0 ? new JsonArray("a", merges[r.Next(merges.Length)]) : JsonValue.Create(merges[r.Next(merges.Length)]));
                return true;
            case 2 when root["added_tokens"] is JsonArray added && added.Count > 0 && added[r.Next(added.Count)] is JsonObject token:
                token["id"] = ids[r.Next(ids.Length)];
                return true;
            case 3 when root["added_tokens"] is JsonArray added:
                added.Add(new JsonObject { ["id"] = ids[r.Next(ids.Length)], ["content"] = r.Next(2) == 0 ? "<|im_end|>" : "<tool>", ["special"] = true });
                return true;
            default: return false;
        }
    }

    private static void LoadAndUse(string dir)
    {
        var tokenizer = Qwen3Tokenizer.Load(dir);
        _ = tokenizer.Decode(tokenizer.Encode(Sample));
    }

    private static void TokenizerJsonMutations(int cases)
    {
        var original = Mutations.ParseJson(TokenizerFileErrorTests.TinyTokenizerJson());
        using var tmp = new TempFolder();
        var path = tmp.File(HfTokenizerFiles.TokenizerJson);
        FuzzCase.Run(cases, c =>
        {
            File.WriteAllBytes(path, Mutations.MutateJson(c.Random(), original, c.Mutations, TokenizerMutation));
            LoadContract.Check(path, () => LoadAndUse(tmp.Path), c);
        });
    }

    [Fact]
    public void Tokenizer_json_mutations_load_or_are_refused() => TokenizerJsonMutations(FuzzBudget.Small);

    [Fact, Trait("Category", "Fuzz")]
    public void Tokenizer_json_mutations_load_or_are_refused_large()
    {
        FuzzBudget.RequireOptIn();
        TokenizerJsonMutations(FuzzBudget.Large);
    }

    private static void VocabMergesConfigMutations(int cases)
    {
        var vocab = Mutations.ParseJson("""{"a": 0, "b": 1, "ab": 2}""");
        var merges = Encoding.UTF8.GetBytes("#version: 0.2\na b\n");
        var config = Mutations.ParseJson("""
            {"added_tokens_decoder": {"3": {"content": "<|endoftext|>", "special": true}, "4": {"content": "<|im_start|>", "special": true},
             "5": {"content": "<|im_end|>", "special": true}, "6": {"content": "<think>", "special": false}, "7": {"content": "</think>", "special": false}}}
            """);
        using var tmp = new TempFolder();
        FuzzCase.Run(cases, c =>
        {
            var r = c.Random();
            int target = r.Next(3);
            File.WriteAllBytes(tmp.File(HfTokenizerFiles.VocabJson), target == 0 ? Mutations.MutateJson(r, vocab, c.Mutations) : Encoding.UTF8.GetBytes(vocab.ToJsonString()));
            File.WriteAllBytes(tmp.File(HfTokenizerFiles.TokenizerConfigJson), target == 1 ? Mutations.MutateJson(r, config, c.Mutations) : Encoding.UTF8.GetBytes(config.ToJsonString()));
            var m = merges;
            if (target == 2)
                for (int i = 0; i < c.Mutations; i++)
                    m = r.Next(2) == 0 ? Mutations.MutateBytes(r, m) : [.. m, .. Mutations.MutateLine(r, "a b"u8.ToArray()), (byte)'\n'];
            File.WriteAllBytes(tmp.File(HfTokenizerFiles.MergesTxt), m);
            LoadContract.Check(tmp.Path, () => LoadAndUse(tmp.Path), c);
        });
    }

    [Fact]
    public void Vocab_merges_and_config_mutations_load_or_are_refused() => VocabMergesConfigMutations(FuzzBudget.Small);

    [Fact, Trait("Category", "Fuzz")]
    public void Vocab_merges_and_config_mutations_load_or_are_refused_large()
    {
        FuzzBudget.RequireOptIn();
        VocabMergesConfigMutations(FuzzBudget.Large);
    }

    [Fact]
    public void The_shipped_tokenizer_config_refuses_every_mutation_by_its_sha256()
    {
        using var tmp = new TempFolder();
        var original = File.ReadAllBytes(Path.Combine(ShippedTokenizerFiles.DefaultDirectory, HfTokenizerFiles.TokenizerConfigJson));
        var path = tmp.File(HfTokenizerFiles.TokenizerConfigJson);
        FuzzCase.Run(FuzzBudget.Small, c =>
        {
            var r = c.Random();
            var bytes = original;
            for (int i = 0; i < c.Mutations; i++) bytes = Mutations.MutateBytes(r, bytes);
            if (bytes.AsSpan().SequenceEqual(original)) return;
            File.WriteAllBytes(path, bytes);
            // Only the config is present: a mutated one must be refused before the (absent) tokenizer.json.gz is looked for.
            var refusal = LoadContract.Check(path, () => ShippedTokenizerFiles.Read(tmp.Path), c);
            Assert.Contains("sha256 mismatch", refusal);
        });
    }

    [Fact]
    public void A_vocabulary_id_far_beyond_the_token_count_is_refused_before_sizing_tables()
    {
        using var tmp = new TempFolder();
        var path = tmp.File(HfTokenizerFiles.TokenizerJson);
        File.WriteAllText(path, TokenizerFileErrorTests.TinyTokenizerJson().Replace("\"ab\": 2", "\"ab\": 2147483647"));
        Assert.Equal($"{path}: token id 2147483647 is far beyond the 8 tokens defined (ids must be nearly dense)",
            LoadContract.Check(path, () => Qwen3Tokenizer.Load(tmp.Path), "named"));
    }

    [Theory]
    [InlineData("\"type\": \"BPE\"", "\"type\": 7")]
    [InlineData("\"type\": \"NFC\"", "\"type\": null")]
    [InlineData("\"a\": 0", "\"a\": \"0\"")]
    [InlineData("{\"id\": 3,", "{\"id\": \"3\",")]
    public void A_field_of_the_wrong_json_type_is_refused_not_a_crash(string from, string to)
    {
        using var tmp = new TempFolder();
        var path = tmp.File(HfTokenizerFiles.TokenizerJson);
        File.WriteAllText(path, TokenizerFileErrorTests.TinyTokenizerJson().Replace(from, to));
        Assert.NotNull(LoadContract.Check(path, () => Qwen3Tokenizer.Load(tmp.Path), "named"));
    }

    /// <summary>A gzip bomb: 1 MB of zeros compressed once (about 1 KB), the member repeated to decompress to `megabytes` MB.</summary>
    private static byte[] GzipBomb(int megabytes)
    {
        using var one = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(one, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
            gz.Write(new byte[1 << 20]);
        var member = one.ToArray();
        return [.. Enumerable.Repeat(member, megabytes).SelectMany(m => m)];
    }

    [Fact]
    public void A_gzip_bomb_as_the_shipped_tokenizer_json_is_refused_before_it_fills_memory()
    {
        using var tmp = new TempFolder();
        File.Copy(Path.Combine(ShippedTokenizerFiles.DefaultDirectory, HfTokenizerFiles.TokenizerConfigJson), tmp.File(HfTokenizerFiles.TokenizerConfigJson));
        var gz = tmp.File(HfTokenizerFiles.TokenizerJsonGz);
        File.WriteAllBytes(gz, GzipBomb(1024));        // 1 GB once decompressed, ~1 MB on disk
        var refusal = LoadContract.Check(gz, () => ShippedTokenizerFiles.Read(tmp.Path), "gzip bomb");
        Assert.Equal($"{gz}: decompresses to more than {HfTokenizerFiles.MaxTokenizerJsonBytes} bytes; refused (a gzip bomb or not the expected file)", refusal);
    }

    [Fact]
    public void A_gzip_bomb_as_a_folder_tokenizer_json_gz_is_refused_before_it_fills_memory()
    {
        using var tmp = new TempFolder();
        var gz = tmp.File(HfTokenizerFiles.TokenizerJsonGz);
        File.WriteAllBytes(gz, GzipBomb(1024));
        var refusal = LoadContract.Check(gz, () => Qwen3Tokenizer.Load(tmp.Path), "gzip bomb");
        Assert.StartsWith($"{gz}: decompresses to more than", refusal);
    }
}
