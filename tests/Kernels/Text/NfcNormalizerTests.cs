using Reproduction.Text;

namespace Repro.Tests.Text;

/// <summary>Managed NFC (string.Normalize is a no-op under InvariantGlobalization): composition, ordering, exclusions, Hangul.</summary>
public sealed class NfcNormalizerTests
{
    private static string Nfc(string s) => NfcNormalizer.Instance.Normalize(s);

    [Fact]
    public void A_base_letter_and_combining_accent_compose() => Assert.Equal("Café", Nfc("Cafe\u0301"));

    [Fact]
    public void Singleton_decompositions_are_replaced_angstrom_and_ohm_signs()
    {
        Assert.Equal("\u00C5", Nfc("\u212B")); // ANGSTROM SIGN → Å
        Assert.Equal("\u03A9", Nfc("\u2126")); // OHM SIGN → Ω
    }

    [Fact]
    public void Combining_marks_are_put_in_canonical_order_then_composed_where_not_blocked() =>
        // dot below (ccc 220) sorts before dot above (230); q has no precomposed forms, s has ṩ (U+1E69).
        Assert.Equal("q\u0323\u0307 \u1E69", Nfc("q\u0307\u0323 s\u0307\u0323"));

    [Fact]
    public void Composition_exclusions_stay_decomposed() =>
        Assert.Equal("\u0915\u093C", Nfc("\u0958")); // DEVANAGARI QA is excluded from composition

    [Fact]
    public void Hangul_jamo_compose_algorithmically() => Assert.Equal("한", Nfc("\u1112\u1161\u11AB"));

    [Fact]
    public void Text_already_in_nfc_is_returned_unchanged()
    {
        const string Text = "plain ASCII, 中文, Привет, 😀";
        Assert.Same(Text, Nfc(Text));
    }

    [Fact]
    public void A_mark_assigned_after_unicode_9_is_a_starter_and_is_never_reordered() =>
        // U+1AC4 (Unicode 14, class 220 there) stays after the decomposition of U+0344 (two class-230 marks), as in HF.
        Assert.Equal("\u0308\u0301\u1AC4", Nfc("\u0344\u1AC4"));

    [Fact]
    public void The_tables_are_unicode_9_as_in_hugging_faces_normalizer() => Assert.Equal("9.0.0", NfcTables.UnicodeVersion);
}
