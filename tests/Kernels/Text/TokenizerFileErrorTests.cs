using System.IO.Compression;
using Reproduction;
using Reproduction.Text;

namespace Repro.Tests.Text;

/// <summary>Bad tokenizer files are a ReproException "PATH: problem" naming the file, never a crash or a silent fallback.</summary>
public sealed class TokenizerFileErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-tok-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A tiny byte-level BPE tokenizer.json: "a", "b", "ab" and the five Qwen3 tokens the tokenizer needs.</summary>
    internal static string TinyTokenizerJson(string merges = "[\"a b\"]", string extraAdded = "") =>
        "{\"added_tokens\": [" +
        "{\"id\": 3, \"content\": \"<|endoftext|>\", \"special\": true}, {\"id\": 4, \"content\": \"<|im_start|>\", \"special\": true}, " +
        "{\"id\": 5, \"content\": \"<|im_end|>\", \"special\": true}, {\"id\": 6, \"content\": \"<think>\", \"special\": false}, " +
        "{\"id\": 7, \"content\": \"</think>\", \"special\": false}" + extraAdded + "], " +
        "\"normalizer\": {\"type\": \"NFC\"}, " +
        "\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}" + (merges.Length == 0 ? "" : ", \"merges\": " + merges) + "}}";

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private ReproException LoadFails() => Assert.Throws<ReproException>(() => Qwen3Tokenizer.Load(_dir));

    [Fact]
    public void A_tiny_well_formed_tokenizer_json_loads_and_merges()
    {
        Write("tokenizer.json", TinyTokenizerJson());
        var tokenizer = Qwen3Tokenizer.Load(_dir);
        Assert.Equal([4, 2, 1, 5], tokenizer.Encode("<|im_start|>abb<|im_end|>"));
    }

    [Fact]
    public void Broken_json_names_the_file()
    {
        var path = Write("tokenizer.json", """{"model": {"type": "BPE", "vocab": {"a": 0""");
        var e = LoadFails();
        Assert.StartsWith($"{path}: not valid JSON", e.Message);
    }

    [Fact]
    public void Missing_merges_in_tokenizer_json_names_the_file_and_the_field()
    {
        var path = Write("tokenizer.json", TinyTokenizerJson(merges: ""));
        Assert.Equal($"{path}: model.merges is missing", LoadFails().Message);
    }

    [Fact]
    public void A_merge_of_tokens_not_in_the_vocabulary_is_rejected_with_the_file_name()
    {
        var path = Write("tokenizer.json", TinyTokenizerJson(merges: """["a c"]"""));
        Assert.StartsWith($"{path}: BPE model rejected", LoadFails().Message);
    }

    [Fact]
    public void A_missing_merges_txt_names_it()
    {
        Write("vocab.json", """{"a": 0}""");
        Write("tokenizer_config.json", """{"added_tokens_decoder": {}}""");
        Assert.StartsWith($"{Path.Combine(_dir, "merges.txt")}: file is missing", LoadFails().Message);
    }

    [Fact]
    public void An_added_token_id_that_is_not_a_number_names_the_config_file()
    {
        Write("vocab.json", """{"a": 0, "b": 1, "ab": 2}""");
        Write("merges.txt", "#version: 0.2\na b\n");
        var config = Write("tokenizer_config.json", """{"added_tokens_decoder": {"x12": {"content": "<|im_end|>", "special": true}}}""");
        Assert.Equal($"{config}: added_tokens_decoder key 'x12' is not a token id", LoadFails().Message);
    }

    [Fact]
    public void An_added_token_whose_id_belongs_to_another_vocabulary_token_is_rejected()
    {
        var path = Write("tokenizer.json", TinyTokenizerJson(extraAdded: """, {"id": 2, "content": "<tool_call>", "special": false}"""));
        Assert.Equal($"{path}: added token '<tool_call>' has id 2, which the vocabulary gives to 'ab'", LoadFails().Message);
    }

    [Fact]
    public void An_added_token_id_given_twice_is_rejected()
    {
        var path = Write("tokenizer.json", TinyTokenizerJson(extraAdded: """, {"id": 5, "content": "<tool_call>", "special": false}"""));
        Assert.Equal($"{path}: added token id 5 appears twice", LoadFails().Message);
    }

    [Fact]
    public void A_tokenizer_without_the_chatml_end_token_is_not_a_qwen3_tokenizer()
    {
        var path = Write("tokenizer.json", TinyTokenizerJson().Replace("<|im_end|>", "<|im_stop|>"));
        Assert.Equal($"{path}: added token '<|im_end|>' is missing (a Qwen3 tokenizer needs it)", LoadFails().Message);
    }

    [Fact]
    public void A_different_pre_tokenizer_pattern_is_refused_rather_than_silently_ignored()
    {
        var path = Write("tokenizer.json", TinyTokenizerJson().Replace(
            "\"normalizer\"", "\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\s+\"}, \"behavior\": \"Isolated\"}, \"normalizer\""));
        Assert.StartsWith($"{path}: pre_tokenizer pattern", LoadFails().Message);
    }

    [Fact]
    public void Bpe_options_that_would_change_the_ids_are_refused()
    {
        var path = Write("tokenizer.json", TinyTokenizerJson().Replace("\"type\": \"BPE\"", "\"type\": \"BPE\", \"byte_fallback\": true"));
        Assert.Equal($"{path}: model.byte_fallback = true is not supported (Qwen3 has false)", LoadFails().Message);
    }

    [Fact]
    public void A_missing_folder_is_named()
    {
        var missing = Path.Combine(_dir, "nope");
        Assert.Equal($"{missing}: tokenizer folder does not exist", Assert.Throws<ReproException>(() => Qwen3Tokenizer.Load(missing)).Message);
    }

    // ---- The shipped copy: sha256 pinned in ShippedTokenizerFiles and checked at every load ----

    private string CopyShipped()
    {
        var copy = Path.Combine(_dir, "shipped");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.EnumerateFiles(ShippedTokenizerFiles.DefaultDirectory))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }

    [Fact]
    public void The_build_output_holds_the_shipped_files_and_their_licence()
    {
        foreach (var name in new[] { "tokenizer.json.gz", "tokenizer_config.json", "LICENSE", "README.md" })
            Assert.True(File.Exists(Path.Combine(ShippedTokenizerFiles.DefaultDirectory, name)), name);
    }

    [Fact]
    public void A_changed_byte_in_the_shipped_config_is_a_sha256_mismatch_naming_it()
    {
        var copy = CopyShipped();
        var config = Path.Combine(copy, "tokenizer_config.json");
        var bytes = File.ReadAllBytes(config);
        bytes[^2] ^= 0x20;
        File.WriteAllBytes(config, bytes);
        var e = Assert.Throws<ReproException>(() => ShippedTokenizerFiles.Read(copy));
        Assert.StartsWith($"{config}: sha256 mismatch: expected {ShippedTokenizerFiles.TokenizerConfigJsonSha256}", e.Message);
    }

    [Fact]
    public void A_recompressed_but_edited_tokenizer_json_is_a_sha256_mismatch_naming_the_gz_file()
    {
        var copy = CopyShipped();
        var gzPath = Path.Combine(copy, "tokenizer.json.gz");
        string json;
        using (var gz = new GZipStream(File.OpenRead(gzPath), CompressionMode.Decompress))
        using (var reader = new StreamReader(gz))
            json = reader.ReadToEnd();
        using (var output = new GZipStream(File.Create(gzPath), CompressionLevel.Fastest))
        using (var writer = new StreamWriter(output))
            writer.Write(json.Replace("\"Hello\": 9707", "\"Hello\": 9708"));
        var e = Assert.Throws<ReproException>(() => ShippedTokenizerFiles.Read(copy));
        Assert.StartsWith($"{gzPath}: sha256 mismatch", e.Message);
    }

    [Fact]
    public void A_truncated_gzip_file_is_named()
    {
        var copy = CopyShipped();
        var gzPath = Path.Combine(copy, "tokenizer.json.gz");
        File.WriteAllBytes(gzPath, File.ReadAllBytes(gzPath)[..1000]);
        Assert.StartsWith($"{gzPath}: ", Assert.Throws<ReproException>(() => ShippedTokenizerFiles.Read(copy)).Message);
    }

    [Fact]
    public void A_missing_shipped_file_is_named()
    {
        var copy = CopyShipped();
        File.Delete(Path.Combine(copy, "tokenizer.json.gz"));
        var e = Assert.Throws<ReproException>(() => ShippedTokenizerFiles.Read(copy));
        Assert.StartsWith($"{Path.Combine(copy, "tokenizer.json.gz")}: shipped tokenizer file is missing", e.Message);
    }
}
