using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Reproduction.Text;

/// <summary>
/// The Qwen3 pre-tokenizer split, <c>Split(Isolated)</c> with the regex
/// <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>,
/// written out as a scanner over code points. A .NET <see cref="System.Text.RegularExpressions.Regex"/> cannot be
/// used as is: it matches UTF-16 units, so an astral letter or digit (a surrogate pair such as 𝐇 or 𝟏) is
/// neither <c>\p{L}</c> nor <c>\p{N}</c> to it, while the reference (Oniguruma, over UTF-8) sees one letter or digit.
/// Each alternative is tried in order at each position, with the regex's leftmost-first, greedy semantics;
/// every position matches some alternative, so the pieces cover the text without gaps.
/// </summary>
public sealed class Qwen3PreTokenizer : PreTokenizer
{
    /// <summary>The pattern this scanner implements (the one in tokenizer.json), for documentation and checks.</summary>
    public const string Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public static Qwen3PreTokenizer Instance { get; } = new();

    private Qwen3PreTokenizer() { }

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text.AsSpan());

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text);

    /// <summary>The pieces of <paramref name="text"/> as (offset, length) in UTF-16 units, in order.</summary>
    public static List<(int Offset, int Length)> Split(ReadOnlySpan<char> text)
    {
        var pieces = new List<(int, int)>();
        for (int i = 0; i < text.Length;)
        {
            int length = MatchAt(text, i);
            pieces.Add((i, length));
            i += length;
        }
        return pieces;
    }

    private enum Kind { Letter, Number, Space, Other }

    /// <summary>The length (UTF-16 units) of the regex match that starts at <paramref name="i"/>.</summary>
    private static int MatchAt(ReadOnlySpan<char> s, int i)
    {
        int first = Read(s, i, out int cp0);
        Kind k0 = Classify(cp0);

        // 1. (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (cp0 == '\'')
        {
            int contraction = ContractionLength(s, i + 1);
            if (contraction > 0) return 1 + contraction;
        }

        // 2. [^\r\n\p{L}\p{N}]?\p{L}+
        if (k0 == Kind.Letter) return LetterRunEnd(s, i) - i;
        if (k0 != Kind.Number && !IsCrOrLf(cp0) && i + first < s.Length)
        {
            Read(s, i + first, out int cp1);
            if (Classify(cp1) == Kind.Letter) return LetterRunEnd(s, i + first) - i;
        }

        // 3. \p{N}
        if (k0 == Kind.Number) return first;

        // 4. " ?[^\s\p{L}\p{N}]+[\r\n]*"
        int punctStart = cp0 == ' ' ? i + 1 : i;
        if (punctStart < s.Length && ClassifyAt(s, punctStart) == Kind.Other)
        {
            int j = punctStart;
            while (j < s.Length && ClassifyAt(s, j, out int len) == Kind.Other) j += len;
            while (j < s.Length && IsCrOrLf(s[j])) j++;
            return j - i;
        }

        // Only whitespace is left. Every White_Space character is in the BMP, so one UTF-16 unit each.
        int end = i;
        while (end < s.Length && ClassifyAt(s, end) == Kind.Space) end++;

        // 5. \s*[\r\n]+ : backtracking \s* stops at the last CR or LF of the run.
        for (int p = end - 1; p >= i; p--)
            if (IsCrOrLf(s[p])) return p + 1 - i;

        // 6. \s+(?!\S) : the whole run at the end of the text, else the run less its last character.
        // 7. \s+       : a single whitespace character before a non-space.
        if (end == s.Length || end - i == 1) return end - i;
        return end - 1 - i;
    }

    /// <summary>The length of s, t, re, ve, m, ll or d (case-insensitive) at <paramref name="i"/>, or 0.</summary>
    private static int ContractionLength(ReadOnlySpan<char> s, int i)
    {
        if (i >= s.Length) return 0;
        char a = s[i];
        if (IsFold(a, 's') || IsFold(a, 't') || IsFold(a, 'm') || IsFold(a, 'd')) return 1;
        if (i + 1 >= s.Length) return 0;
        char b = s[i + 1];
        if ((IsFold(a, 'r') || IsFold(a, 'v')) && IsFold(b, 'e')) return 2;
        if (IsFold(a, 'l') && IsFold(b, 'l')) return 2;
        return 0;
    }

    /// <summary>Case-insensitive match with Unicode simple case folding: 'ſ' (U+017F, long s) folds to 's'.</summary>
    private static bool IsFold(char c, char lower) =>
        c == lower || c == char.ToUpperInvariant(lower) || (lower == 's' && c == '\u017F');

    private static int LetterRunEnd(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && ClassifyAt(s, i, out int len) == Kind.Letter) i += len;
        return i;
    }

    private static bool IsCrOrLf(int cp) => cp is '\r' or '\n';

    private static Kind ClassifyAt(ReadOnlySpan<char> s, int i) => ClassifyAt(s, i, out _);

    private static Kind ClassifyAt(ReadOnlySpan<char> s, int i, out int length)
    {
        length = Read(s, i, out int cp);
        return Classify(cp);
    }

    /// <summary>The code point at <paramref name="i"/>; returns its length in UTF-16 units (a lone surrogate counts as one).</summary>
    private static int Read(ReadOnlySpan<char> s, int i, out int cp)
    {
        char c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            cp = char.ConvertToUtf32(c, s[i + 1]);
            return 2;
        }
        cp = c;
        return 1;
    }

    private static Kind Classify(int cp)
    {
        if (cp < 0x80)
        {
            if (cp is >= 'a' and <= 'z' or >= 'A' and <= 'Z') return Kind.Letter;
            if (cp is >= '0' and <= '9') return Kind.Number;
            if (cp is ' ' or >= '\t' and <= '\r') return Kind.Space;
            return Kind.Other;
        }
        if (cp is >= 0xD800 and <= 0xDFFF) return Kind.Other; // a lone surrogate
        var rune = new Rune(cp);
        if (Rune.IsWhiteSpace(rune)) return Kind.Space;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }
}
