using FsCheck;
using FsCheck.Fluent;
using Reproduction.Data;

namespace Repro.Tests.Text;

/// <summary>
/// Our encoder against Hugging Face's own (<see cref="ReferenceTokenizerFixture"/>) on text nobody chose
/// (<see cref="TokenizerTexts"/>): the ids must be equal, string for string. A disagreement is shrunk by FsCheck to a
/// minimal text, printed escaped with both id lists. Lone surrogates: ours encodes each as U+FFFD; the reference refuses
/// them, so it is given the text as UTF-8 carries it (each lone surrogate as U+FFFD). The Long run also compares both on
/// every CoLA train sentence, the text `repro bench tokenizer` times both on.
/// </summary>
public sealed class Qwen3TokenizerDifferentialTests(ShippedTokenizerFixture ours, ReferenceTokenizerFixture reference, ITestOutputHelper output)
    : IClassFixture<ReferenceTokenizerFixture>
{
    /// <summary>Generated strings in the default run.</summary>
    public const int DefaultCount = 2_000;

    /// <summary>Generated strings in the Long run.</summary>
    public const int LongCount = 100_000;

    [Fact]
    public void Our_ids_equal_the_reference_ids_on_generated_text() => Compare(DefaultCount);

    [Fact, Trait("Category", LongRun.Category)]
    public void Our_ids_equal_the_reference_ids_on_generated_text_long()
    {
        LongRun.RequireOptIn("tests/Kernels/Repro.Tests.Kernels.csproj");
        Compare(LongCount);
    }

    [Fact, Trait("Category", LongRun.Category)]
    public void On_the_cola_train_sentences_both_give_the_same_ids()
    {
        LongRun.RequireOptIn("tests/Kernels/Repro.Tests.Kernels.csproj");
        foreach (var sentence in ColaDataset.PaperTrain().Select(e => e.Sentence))
            Assert.Equal(reference.Encode(sentence), ours.Tokenizer.Encode(sentence));
    }

    /// <summary>(text with lone surrogates, the same text with U+FFFD in their place). Not InlineData: test-case serialization would replace them.</summary>
    private static readonly (string Text, string Replaced)[] LoneSurrogateCases =
    [
        ("a\uD800b", "a\uFFFDb"),
        ("\uDC00<|im_end|>\uD83D", "\uFFFD<|im_end|>\uFFFD"),
        ("x \uDFFF\uD800 7", "x \uFFFD\uFFFD 7"),
        ("\uD83D\uDE00\uDE00", "\U0001F600\uFFFD"),
    ];

    [Fact]
    public void A_lone_surrogate_is_refused_by_the_reference_and_encoded_by_ours_as_the_reference_encodes_U_FFFD()
    {
        foreach (var (text, replaced) in LoneSurrogateCases)
        {
            Assert.Throws<Tokenizers.DotNet.TokenizerException>(() => reference.Encode(text));
            Assert.Equal(reference.Encode(replaced), ours.Tokenizer.Encode(text));
        }
    }

    private void Compare(int count)
    {
        var added = ours.Tokenizer.AddedTokens.Select(t => t.Content).ToList();
        int compared = 0;
        long chars = 0;
        var property = Prop.ForAll(TokenizerTexts.Arbitrary(added), generated =>
        {
            var text = generated.Text;
            var expected = reference.EncodeAsHfSees(text);
            var actual = ours.Tokenizer.Encode(text);
            if (!actual.AsSpan().SequenceEqual(expected)) throw new Xunit.Sdk.XunitException(Disagreement(text, expected, actual));
            compared++;
            chars += text.Length;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(count).WithQuietOnSuccess(true), property);
        output.WriteLine($"{compared} generated strings ({chars} UTF-16 units) encoded to the same ids by both tokenizers");
        Assert.Equal(count, compared);
    }

    private string Disagreement(string text, int[] expected, int[] actual)
    {
        int first = 0;
        while (first < expected.Length && first < actual.Length && expected[first] == actual[first]) first++;
        string Tokens(int[] ids) => string.Join(" ", ids.Skip(first).Take(6).Select(id => $"{id}:{GeneratedText.Escape(ours.Tokenizer.IdToToken(id) ?? "?")}"));
        return $"""
            ids differ on {GeneratedText.Escape(text)} from position {first}
              reference: [{string.Join(", ", expected)}]
              ours:      [{string.Join(", ", actual)}]
              reference from there: {Tokens(expected)}
              ours from there:      {Tokens(actual)}
            """;
    }
}
