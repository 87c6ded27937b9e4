using Reproduction.Text;

[assembly: AssemblyFixture(typeof(Repro.Tests.Text.ShippedTokenizerFixture))]

namespace Repro.Tests.Text;

/// <summary>The shipped Qwen3 tokenizer, loaded once per test run (about a second: 151k vocabulary, 151k merges).</summary>
public sealed class ShippedTokenizerFixture
{
    private readonly Lazy<Qwen3Tokenizer> _tokenizer = new(Qwen3Tokenizer.LoadDefault);

    public Qwen3Tokenizer Tokenizer => _tokenizer.Value;
}
