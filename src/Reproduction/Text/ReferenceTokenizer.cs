using System.IO.Compression;

namespace Reproduction.Text;

/// <summary>
/// Hugging Face's own tokenizer (the Rust <c>tokenizers</c> crate, through Tokenizers.DotNet) on the shipped
/// tokenizer.json: what `repro bench tokenizer` times ours against, and the oracle of the differential tests. The
/// program tokenizes with <see cref="Qwen3Tokenizer"/> only; this one is never used to train or evaluate. The library
/// loads a file by path, so the sha256-checked tokenizer.json.gz is decompressed once into a temporary folder, removed
/// on dispose. Its encode is <c>encode(text, add_special_tokens=True)</c>, which adds nothing for Qwen3 (no template
/// post-processor), so its ids are comparable with <see cref="Qwen3Tokenizer.Encode"/>. A Rust string cannot hold a lone
/// UTF-16 surrogate: such text is refused (<see cref="Tokenizers.DotNet.TokenizerException"/>).
/// </summary>
public sealed class ReferenceTokenizer : IDisposable
{
    private readonly string _folder;
    private readonly Tokenizers.DotNet.Tokenizer _tokenizer;

    private ReferenceTokenizer(string folder, Tokenizers.DotNet.Tokenizer tokenizer) => (_folder, _tokenizer) = (folder, tokenizer);

    /// <summary>Loads the shipped tokenizer.json; the native library's absence (a platform without its build) is a <see cref="ReproException"/> saying so.</summary>
    public static ReferenceTokenizer LoadShipped()
    {
        var gz = Path.Combine(ShippedTokenizerFiles.DefaultDirectory, ShippedTokenizerFiles.TokenizerJsonGz);
        using var decompressed = new MemoryStream();
        using (var input = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress)) input.CopyTo(decompressed);
        ShippedTokenizerFiles.Verify(gz, decompressed.ToArray(), ShippedTokenizerFiles.TokenizerJsonSha256);
        var folder = Directory.CreateTempSubdirectory("repro-hf-tokenizer-").FullName;
        try
        {
            var path = Path.Combine(folder, HfTokenizerFiles.TokenizerJson);
            File.WriteAllBytes(path, decompressed.ToArray());
            return new ReferenceTokenizer(folder, new Tokenizers.DotNet.Tokenizer(path));
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException or TypeInitializationException)
        {
            Directory.Delete(folder, recursive: true);
            throw new ReproException($"Hugging Face's tokenizer library (Tokenizers.DotNet) does not load on this platform: {e.Message}");
        }
    }

    /// <summary>The reference ids of <paramref name="text"/>, exactly as the library returns them (throws on a lone surrogate).</summary>
    public int[] Encode(string text) => Array.ConvertAll(_tokenizer.Encode(text), id => checked((int)id));

    public void Dispose()
    {
        _tokenizer.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
