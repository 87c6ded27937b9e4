namespace Reproduction.IO;

/// <summary>
/// A `save_pretrained`-style model folder: config.json, generation_config.json, weights (single or sharded), and
/// the tokenizer files copied from a source folder when given. Written into a temp folder and renamed into place.
/// </summary>
public static class CheckpointFolder
{
    /// <summary>HF's default shard limit for save_pretrained ("5GB").</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    /// <summary>The files a tokenizer folder may hold (Qwen3 uses tokenizer.json, tokenizer_config.json, vocab.json, merges.txt).</summary>
    public static readonly string[] TokenizerFiles =
        ["tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "special_tokens_map.json", "added_tokens.json", "chat_template.jinja", "chat_template.json"];

    public static void Save(string outFolder, string configJson, string? generationConfigJson, IReadOnlyList<(string Name, TorchSharp.torch.Tensor Tensor)> weights,
        long maxShardBytes = DefaultMaxShardBytes, string? tokenizerFolder = null, bool overwrite = false)
    {
        AtomicFile.WriteFolder(outFolder, tmp => WriteContents(tmp, configJson, generationConfigJson, weights, maxShardBytes, tokenizerFolder), overwrite);
    }

    /// <summary>The folder's files, written into an existing (temporary) folder that the caller renames into place.</summary>
    public static void WriteContents(string folder, string configJson, string? generationConfigJson, IReadOnlyList<(string Name, TorchSharp.torch.Tensor Tensor)> weights,
        long maxShardBytes = DefaultMaxShardBytes, string? tokenizerFolder = null)
    {
        File.WriteAllText(Path.Combine(folder, "config.json"), configJson);
        if (generationConfigJson is not null) File.WriteAllText(Path.Combine(folder, "generation_config.json"), generationConfigJson);
        SafetensorsWriter.WriteCheckpoint(folder, weights, maxShardBytes);
        if (tokenizerFolder is not null)
            foreach (var name in TokenizerFiles)
            {
                var src = Path.Combine(tokenizerFolder, name);
                if (File.Exists(src)) File.Copy(src, Path.Combine(folder, name));
            }
    }
}
