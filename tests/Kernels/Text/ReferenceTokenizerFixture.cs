using System.IO.Compression;
using System.Text;
using Reproduction.Text;

namespace Repro.Tests.Text;

/// <summary>
/// Hugging Face's own tokenizer (the Rust <c>tokenizers</c> crate through Tokenizers.DotNet, a test-only package) on the
/// shipped tokenizer.json: the oracle of the differential tests. The library loads a file by path, so the sha256-checked
/// tokenizer.json.gz is decompressed once into a temporary folder, removed on dispose.
/// <para>
/// Its encode is <c>encode(text, add_special_tokens=True)</c>, which adds nothing for Qwen3 (no template post-processor),
/// so its ids are comparable with <see cref="Qwen3Tokenizer.Encode"/>. Its decode always drops special tokens, so it is
/// an oracle for encoding only. A Rust string cannot hold a lone UTF-16 surrogate: the library refuses such text
/// (<see cref="Tokenizers.DotNet.TokenizerException"/>); <see cref="EncodeAsHfSees"/> therefore gives it the text with
/// each lone surrogate replaced by U+FFFD, what a JavaScript or Python string reaching HF would carry.
/// </para>
/// </summary>
public sealed class ReferenceTokenizerFixture : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("repro-hf-tokenizer-").FullName;
    private readonly Lazy<Tokenizers.DotNet.Tokenizer> _tokenizer;

    public ReferenceTokenizerFixture() => _tokenizer = new(Load);

    /// <summary>The reference ids of <paramref name="text"/>, exactly as the library returns them (throws on a lone surrogate).</summary>
    public int[] Encode(string text) => Array.ConvertAll(_tokenizer.Value.Encode(text), id => checked((int)id));

    /// <summary>
    /// The reference ids of <paramref name="text"/> as UTF-8 carries it to HF: .NET's UTF-8 encoder turns every lone
    /// surrogate into U+FFFD (its default replacement fallback) and keeps valid pairs.
    /// </summary>
    public int[] EncodeAsHfSees(string text) => Encode(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)));

    private Tokenizers.DotNet.Tokenizer Load()
    {
        var gz = Path.Combine(ShippedTokenizerFiles.DefaultDirectory, ShippedTokenizerFiles.TokenizerJsonGz);
        using var decompressed = new MemoryStream();
        using (var input = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress)) input.CopyTo(decompressed);
        ShippedTokenizerFiles.Verify(gz, decompressed.ToArray(), ShippedTokenizerFiles.TokenizerJsonSha256);
        var path = Path.Combine(_folder, HfTokenizerFiles.TokenizerJson);
        File.WriteAllBytes(path, decompressed.ToArray());
        return new Tokenizers.DotNet.Tokenizer(path);
    }

    public void Dispose()
    {
        if (_tokenizer.IsValueCreated) _tokenizer.Value.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
