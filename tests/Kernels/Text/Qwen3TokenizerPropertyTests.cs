using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Text;

namespace Repro.Tests.Text;

/// <summary>Round-trip laws of the tokenizer on random text built from the troublesome kinds of characters.</summary>
public sealed class Qwen3TokenizerPropertyTests(ShippedTokenizerFixture fixture)
{
    /// <summary>Letters, digits, punctuation, whitespace kinds, combining marks, CJK, astral letters/digits, emoji; no '&lt;' so no added tokens.</summary>
    private static readonly string[] Alphabet =
    [
        "a", "Z", "é", "e", "\u0301", "\u0323", "\u0307", "ſ", "'", "s", "'ll", "7", "٣", " ", "  ", "\t", "\n", "\r\n", "\u00A0",
        "\u0085", "\u3000", ".", "!", "—", "中", "文", "한", "\u1100", "\u1161", "𝐇", "𝟏", "😀", "\u200D", "👍🏽", "Å", "\u212B",
    ];

    private static Arbitrary<string> Texts() =>
        Gen.Elements(Alphabet).ArrayOf().Select(parts => string.Concat(parts)).ToArbitrary();

    [Property(MaxTest = 500)]
    public Property Decoding_an_encoding_gives_the_nfc_text() =>
        Prop.ForAll(Texts(), text => fixture.Tokenizer.Decode(fixture.Tokenizer.Encode(text)) == NfcNormalizer.Instance.Normalize(text));

    [Property(MaxTest = 500)]
    public Property Encoding_is_stable_under_a_decode_round_trip() =>
        Prop.ForAll(Texts(), text =>
        {
            var ids = fixture.Tokenizer.Encode(text);
            return fixture.Tokenizer.Encode(fixture.Tokenizer.Decode(ids)).SequenceEqual(ids);
        });
}
