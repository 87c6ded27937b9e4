using System.Text;
using Reproduction.Text;

namespace Repro.Tests.Text;

/// <summary>
/// Hugging Face's own tokenizer (<see cref="ReferenceTokenizer"/>), loaded once per test class: the oracle of the
/// differential tests. Its decode always drops special tokens, so it is an oracle for encoding only.
/// <see cref="EncodeAsHfSees"/> gives it text with each lone surrogate replaced by U+FFFD, what a JavaScript or Python
/// string reaching HF would carry.
/// </summary>
public sealed class ReferenceTokenizerFixture : IDisposable
{
    private readonly Lazy<ReferenceTokenizer> _tokenizer = new(ReferenceTokenizer.LoadShipped);

    /// <summary>The reference ids of <paramref name="text"/>, exactly as the library returns them (throws on a lone surrogate).</summary>
    public int[] Encode(string text) => _tokenizer.Value.Encode(text);

    /// <summary>
    /// The reference ids of <paramref name="text"/> as UTF-8 carries it to HF: .NET's UTF-8 encoder turns every lone
    /// surrogate into U+FFFD (its default replacement fallback) and keeps valid pairs.
    /// </summary>
    public int[] EncodeAsHfSees(string text) => Encode(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)));

    public void Dispose()
    {
        if (_tokenizer.IsValueCreated) _tokenizer.Value.Dispose();
    }
}
