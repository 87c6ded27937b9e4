using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Repro.Tests.Text;

/// <summary>
/// A text FsCheck built from pieces (a word, a whitespace run, an added token, an emoji sequence, …), kept as pieces so
/// that it shrinks by dropping pieces and halving them. Printed escaped: every character outside printable ASCII as
/// <c>\uXXXX</c> or <c>\U{XXXXX}</c>, so a counterexample shows which code points it holds.
/// </summary>
public sealed record GeneratedText(string[] Pieces)
{
    public string Text => string.Concat(Pieces);

    public override string ToString() => Escape(Text);

    /// <summary>Smaller texts: halves of the piece list, the list less one piece, then one piece cut in two.</summary>
    public IEnumerable<GeneratedText> Shrink()
    {
        int n = Pieces.Length;
        if (n > 1)
        {
            yield return new(Pieces[..(n / 2)]);
            yield return new(Pieces[(n / 2)..]);
            for (int i = 0; i < n; i++) yield return new([.. Pieces[..i], .. Pieces[(i + 1)..]]);
        }
        for (int i = 0; i < n; i++)
        {
            var halves = Halve(Pieces[i]);
            if (halves is null) continue;
            yield return new([.. Pieces[..i], halves.Value.Left, halves.Value.Right, .. Pieces[(i + 1)..]]);
        }
    }

    /// <summary>A piece of two or more code points cut at the code-point boundary nearest its middle; null for one code point.</summary>
    private static (string Left, string Right)? Halve(string piece)
    {
        int cut = piece.Length / 2;
        if (cut > 0 && char.IsLowSurrogate(piece[cut]) && char.IsHighSurrogate(piece[cut - 1])) cut--;
        if (cut == 0 && piece.Length == 2 && char.IsHighSurrogate(piece[0]) && char.IsLowSurrogate(piece[1])) return null;
        if (cut == 0) cut = piece.Length > 1 ? 1 : 0;
        return cut == 0 || cut == piece.Length ? null : (piece[..cut], piece[cut..]);
    }

    /// <summary>Printable ASCII as is (backslash and quote escaped), anything else as \uXXXX or \U{XXXXX}, in quotes.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder("\"");
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '\\' or '"') sb.Append('\\').Append(c);
            else if (c is >= ' ' and <= '~') sb.Append(c);
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                sb.Append(CultureInfo.InvariantCulture, $"\\U{{{char.ConvertToUtf32(c, text[++i]):X5}}}");
            else sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
        }
        return sb.Append('"').ToString();
    }
}

/// <summary>
/// The generators of tokenizer test text, in one place: mixed scripts (Latin, CJK, Cyrillic, Arabic, Devanagari, …),
/// astral-plane letters and digits, emoji with skin tones, ZWJ sequences, flags and keycaps, combining marks (also right
/// before and after an added token), added tokens and near misses of them, whitespace runs, chat-template text, lone
/// surrogates, digit runs, NFC-sensitive sequences, and any code point at all (unassigned and private-use included).
/// </summary>
public static class TokenizerTexts
{
    private static Gen<string> CodePoint(int first, int last) =>
        Gen.Choose(first, last).Where(cp => cp is < 0xD800 or > 0xDFFF).Select(char.ConvertFromUtf32);

    private static Gen<string> Run(Gen<string> unit, int min, int max) =>
        from n in Gen.Choose(min, max)
        from parts in unit.ArrayOf(n)
        select string.Concat(parts);

    private static Gen<string> OneOf(params int[][] ranges) => Gen.OneOf(ranges.Select(r => CodePoint(r[0], r[1])));

    private static readonly Gen<string> Latin = OneOf([0x41, 0x5A], [0x61, 0x7A], [0x61, 0x7A], [0xC0, 0xFF], [0x100, 0x17F], [0x180, 0x24F]);
    private static readonly Gen<string> Cjk = OneOf([0x4E00, 0x9FFF], [0x3041, 0x3096], [0x30A1, 0x30FA], [0xAC00, 0xD7A3], [0x3000, 0x303F], [0xFF01, 0xFF5E]);
    private static readonly Gen<string> HangulJamo = OneOf([0x1100, 0x1112], [0x1161, 0x1175], [0x11A8, 0x11C2]);
    private static readonly Gen<string> Cyrillic = CodePoint(0x400, 0x4FF);
    private static readonly Gen<string> Arabic = OneOf([0x600, 0x6FF], [0x750, 0x77F]);
    private static readonly Gen<string> Devanagari = CodePoint(0x900, 0x97F);
    private static readonly Gen<string> OtherScripts = OneOf([0x370, 0x3FF], [0x590, 0x5FF], [0xE00, 0xE7F], [0x10A0, 0x10FF], [0x1E00, 0x1EFF]);

    /// <summary>Mathematical alphanumerics (letters and digits), CJK Extension B, Gothic, Deseret, Osmanya digits, digits with commas.</summary>
    private static readonly Gen<string> Astral = OneOf([0x1D400, 0x1D7FF], [0x1D7CE, 0x1D7FF], [0x20000, 0x2A6DF], [0x10330, 0x1034A],
        [0x10400, 0x1044F], [0x104A0, 0x104A9], [0x1F100, 0x1F10C]);

    private static readonly Gen<string> CombiningMark = OneOf([0x300, 0x36F], [0x483, 0x489], [0x64B, 0x65F], [0x93C, 0x94D],
        [0x1AB0, 0x1ACE], [0x20D0, 0x20F0], [0xFE20, 0xFE2F], [0x1D165, 0x1D169], [0x1D16D, 0x1D172]);

    private static readonly Gen<string> EmojiBase = OneOf([0x1F600, 0x1F64F], [0x1F300, 0x1F5FF], [0x1F900, 0x1F9FF], [0x2600, 0x26FF]);
    private static readonly Gen<string> SkinTone = CodePoint(0x1F3FB, 0x1F3FF);
    private static readonly Gen<string> RegionalIndicator = CodePoint(0x1F1E6, 0x1F1FF);

    private static readonly Gen<string> Emoji = Gen.OneOf(
        EmojiBase,
        from e in EmojiBase from t in SkinTone select e + t,
        from e in EmojiBase select e + "\uFE0F",
        from n in Gen.Choose(2, 4) from parts in EmojiBase.ArrayOf(n) select string.Join("\u200D", parts),
        Gen.Constant("👨‍👩‍👧‍👦"), Gen.Constant("🏳️‍🌈"), Gen.Constant("👩🏽‍💻"),
        from a in RegionalIndicator from b in RegionalIndicator select a + b,
        from d in Gen.Elements("0123456789#*".Select(c => c.ToString()).ToArray()) select d + "\uFE0F\u20E3",
        Gen.Constant("🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"));

    private static readonly string[] WhitespaceUnits =
    [
        " ", " ", " ", "\t", "\n", "\n", "\r\n", "\r", "\v", "\f", "\u0085", "\u00A0", "\u1680", "\u2002", "\u2009", "\u200A",
        "\u2028", "\u2029", "\u202F", "\u205F", "\u3000", "\u200B", "\uFEFF",
    ];

    private static readonly Gen<string> Whitespace = Run(Gen.Elements(WhitespaceUnits), 1, 8);

    private static readonly Gen<string> Digits = Gen.OneOf(
        Run(CodePoint('0', '9'), 1, 16),
        Run(OneOf([0x660, 0x669], [0x966, 0x96F], [0xFF10, 0xFF19], [0x2070, 0x2079], [0xB2, 0xB3]), 1, 6),
        Run(OneOf([0xBC, 0xBE], [0x2150, 0x218B], [0x2460, 0x249B], [0x3021, 0x3029]), 1, 3));

    private static readonly Gen<string> Punctuation = Run(Gen.Elements(
        ".", ",", "!", "?", ";", ":", "-", "_", "(", ")", "[", "]", "{", "}", "<", ">", "/", "\\", "|", "\"", "'", "`", "~", "@",
        "#", "$", "%", "^", "&", "*", "+", "=", "…", "—", "«", "»", "¿", "¡", "“", "”", "’", "©", "€", "→", "∑"), 1, 5);

    private static readonly Gen<string> Contraction = Gen.Elements(
        "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "'Re", "'vE", "'D", "'ſ", "’s", "'x", "''", "' s");

    private static readonly Gen<string> NfcSensitive = Gen.Elements(
        "A\u030A", "\u212B", "\u00C5", "e\u0301\u0323", "e\u0323\u0301", "\u1E9B\u0323", "\u0958", "\u0F73", "\uAC00\u11A8",
        "\u1100\u1161\u11A8", "\u0041\u0300\u0316", "\u2126", "\u00F4\u0302", "\uFB01", "\u0344", "\u0CCB", "\u0B4B", "\U0001D15E");

    private static readonly Gen<string> LoneSurrogate = Gen.OneOf(
        Gen.Choose(0xD800, 0xDBFF).Select(c => ((char)c).ToString()),
        Gen.Choose(0xDC00, 0xDFFF).Select(c => ((char)c).ToString()));

    private static readonly Gen<string> AnyCodePoint = Gen.OneOf(CodePoint(0, 0xFFFF), CodePoint(0x10000, 0x10FFFF), CodePoint(0x80, 0x2FFF));

    private static Gen<string> Words(Gen<string> letters) => Run(letters, 1, 8);

    /// <summary>A word, with letters of one script and sometimes a combining mark or a leading space.</summary>
    private static readonly Gen<string> Word =
        from letters in Gen.Frequency((4, Words(Latin)), (2, Words(Cjk)), (1, Words(HangulJamo)), (2, Words(Cyrillic)), (2, Words(Arabic)),
            (2, Words(Devanagari)), (1, Words(OtherScripts)), (2, Words(Astral)))
        from space in Gen.Frequency((2, Gen.Constant("")), (1, Gen.Constant(" ")))
        from mark in Gen.Frequency((4, Gen.Constant("")), (1, CombiningMark))
        select space + letters + mark;

    /// <summary>An added token, or a near miss of one (cut short, a letter off, a space inside).</summary>
    private static Gen<string> AddedOrNearMiss(IReadOnlyList<string> added) =>
        from token in Gen.Elements(added.ToArray())
        from miss in Gen.Frequency((6, Gen.Constant(0)), (1, Gen.Constant(1)), (1, Gen.Constant(2)), (1, Gen.Constant(3)))
        select miss switch
        {
            1 => token[..^1],
            2 => token[1..],
            3 => token.Insert(token.Length / 2, " "),
            _ => token,
        };

    /// <summary>A combining mark or a letter just before or after an added token.</summary>
    private static Gen<string> AroundAdded(IReadOnlyList<string> added) =>
        from token in AddedOrNearMiss(added)
        from before in Gen.Frequency((2, CombiningMark), (1, Latin), (1, Gen.Constant(" ")), (1, Gen.Constant("")))
        from after in Gen.Frequency((2, CombiningMark), (1, Latin), (1, Whitespace), (1, Gen.Constant("")))
        select before + token + after;

    /// <summary>Text as the Qwen3 chat template lays it out, around generated content.</summary>
    private static Gen<string> ChatTemplate(Gen<string> content) =>
        from role in Gen.Elements("system", "user", "assistant", "tool")
        from body in content
        from think in Gen.Elements("", "<think>\n\n</think>\n\n", "<think>\nplan\n</think>\n\n")
        from prompt in Gen.Elements("", "<|im_start|>assistant\n", "<|im_start|>assistant\n<think>\n\n</think>\n\n")
        select $"<|im_start|>{role}\n{(role == "assistant" ? think : "")}{body}<|im_end|>\n{prompt}";

    private static Gen<string> Piece(IReadOnlyList<string> added)
    {
        var plain = Gen.Frequency((6, Word), (2, Whitespace), (2, Digits), (2, Punctuation), (1, Emoji));
        var content = Run(plain, 1, 6);
        return Gen.Frequency(
            (10, Word), (5, Whitespace), (4, Digits), (3, Punctuation), (2, Contraction), (4, Emoji), (3, CombiningMark),
            (3, AddedOrNearMiss(added)), (3, AroundAdded(added)), (1, ChatTemplate(content)), (2, NfcSensitive),
            (1, LoneSurrogate), (2, AnyCodePoint));
    }

    /// <summary>Texts of up to about 40 pieces (FsCheck's size), over the given added tokens.</summary>
    public static Arbitrary<GeneratedText> Arbitrary(IReadOnlyList<string> addedTokens) =>
        Arb.From(Gen.Sized(size => Piece(addedTokens).ArrayOf().Resize(Math.Min(size, 40))).Select(p => new GeneratedText(p)), t => t.Shrink());
}
