using Reproduction.Text;

namespace Repro.Tests.Text;

/// <summary>The Qwen3 regex split, written over code points: pieces of small texts, alternative by alternative.</summary>
public sealed class Qwen3PreTokenizerTests
{
    private static string[] Pieces(string text) =>
        Qwen3PreTokenizer.Split(text).Select(p => text.Substring(p.Offset, p.Length)).ToArray();

    [Fact]
    public void Contractions_are_split_off_case_insensitively() =>
        Assert.Equal(["I", "'M", " sure", " they", "'VE", " left"], Pieces("I'M sure they'VE left"));

    [Fact]
    public void Long_s_folds_to_s_in_the_case_insensitive_contraction_group() =>
        // Unicode case folding maps U+017F to 's', so "'ſ" is the contraction 's and 't follows as its own letters.
        Assert.Equal(["it", "'ſ", "t"], Pieces("it'ſt"));

    [Fact]
    public void A_letter_run_takes_one_leading_non_letter_non_digit_character_but_not_a_newline() =>
        Assert.Equal(["Hello", ",", " world", "\n", "line", "\"quoted"], Pieces("Hello, world\nline\"quoted"));

    [Fact]
    public void Digits_are_single_pieces() => Assert.Equal(["1", "2", "3", " ", "4"], Pieces("123 4"));

    [Fact]
    public void Astral_letters_and_digits_are_letters_and_digits_not_two_surrogates() =>
        Assert.Equal(["Math", " 𝐇𝐞𝐥𝐥𝐨", " ", "𝟏", "𝟐", "'s"], Pieces("Math 𝐇𝐞𝐥𝐥𝐨 𝟏𝟐's"));

    [Fact]
    public void Punctuation_runs_take_a_leading_space_and_trailing_newlines() =>
        Assert.Equal(["a", " ...!?\r\n", "(b"], Pieces("a ...!?\r\n(b"));

    [Fact]
    public void Whitespace_before_a_word_leaves_its_last_space_to_the_word() =>
        Assert.Equal(["a", "   ", " b", "  "], Pieces("a    b  "));

    [Fact]
    public void Whitespace_ending_in_newlines_is_cut_after_its_last_newline() =>
        Assert.Equal(["a", "  \n\n", "  ", " b"], Pieces("a  \n\n   b"));

    [Fact]
    public void Pieces_cover_the_text_exactly()
    {
        const string Text = "mixed  \n  indentation\n\t\ttabs\n    \n  end 😀 ٣٤ x";
        Assert.Equal(Text, string.Concat(Pieces(Text)));
    }
}
