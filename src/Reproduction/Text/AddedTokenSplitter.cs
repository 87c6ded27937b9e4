using System.Buffers;

namespace Reproduction.Text;

/// <summary>
/// Splits text around added tokens the way Hugging Face's AddedVocabulary does for tokens with
/// <c>normalized: false</c> and no lstrip/rstrip/single_word: leftmost match first, the longest one at that position.
/// This runs on the raw text, before NFC, so normalization never reaches across an added token.
/// </summary>
public sealed class AddedTokenSplitter
{
    /// <summary>A piece of the input: an added token (<see cref="TokenId"/> ≥ 0) or plain text (<see cref="TokenId"/> = -1).</summary>
    public readonly record struct Segment(int Offset, int Length, int TokenId)
    {
        public bool IsAddedToken => TokenId >= 0;
    }

    private readonly (string Content, int Id)[] _tokensLongestFirst;
    private readonly SearchValues<char> _firstChars;

    public AddedTokenSplitter(IEnumerable<AddedToken> tokens)
    {
        _tokensLongestFirst = tokens.Select(t => (t.Content, t.Id))
            .OrderByDescending(t => t.Content.Length).ThenBy(t => t.Content, StringComparer.Ordinal).ToArray();
        _firstChars = SearchValues.Create(_tokensLongestFirst.Select(t => t.Content[0]).Distinct().ToArray());
    }

    /// <summary>The segments of <paramref name="text"/>, in order, covering it exactly; no empty plain-text segment.</summary>
    public List<Segment> Split(ReadOnlySpan<char> text)
    {
        var segments = new List<Segment>();
        int plainStart = 0, i = 0;
        while (i < text.Length)
        {
            int next = text[i..].IndexOfAny(_firstChars);
            if (next < 0) break;
            i += next;
            var (length, id) = LongestMatchAt(text, i);
            if (length == 0)
            {
                i++;
                continue;
            }
            if (i > plainStart) segments.Add(new Segment(plainStart, i - plainStart, -1));
            segments.Add(new Segment(i, length, id));
            i += length;
            plainStart = i;
        }
        if (text.Length > plainStart) segments.Add(new Segment(plainStart, text.Length - plainStart, -1));
        return segments;
    }

    private (int Length, int Id) LongestMatchAt(ReadOnlySpan<char> text, int i)
    {
        var rest = text[i..];
        foreach (var (content, id) in _tokensLongestFirst)
            if (rest.StartsWith(content, StringComparison.Ordinal)) return (content.Length, id);
        return (0, -1);
    }
}
