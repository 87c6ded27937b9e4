using System.Collections.Frozen;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Reproduction.Text;

/// <summary>
/// Unicode NFC (canonical decomposition, canonical ordering, canonical composition), as the Qwen3 tokenizer's
/// <c>"normalizer": {"type": "NFC"}</c>. Managed code over <see cref="NfcTables"/>, because
/// <see cref="string.Normalize()"/> is a no-op under InvariantGlobalization, which this repository sets.
/// Immutable and thread-safe.
/// </summary>
public sealed class NfcNormalizer : Normalizer
{
    private const int HangulSBase = 0xAC00, HangulLBase = 0x1100, HangulVBase = 0x1161, HangulTBase = 0x11A7;
    private const int HangulLCount = 19, HangulVCount = 21, HangulTCount = 28;
    private const int HangulNCount = HangulVCount * HangulTCount, HangulSCount = HangulLCount * HangulNCount;

    /// <summary>Every character below this is a starter with no decomposition that never composes with what precedes it.</summary>
    private const int FirstCodePointThatMayChange = 0x300;

    private readonly FrozenDictionary<int, int> _combiningClass;
    private readonly FrozenDictionary<int, int[]> _decomposition;
    private readonly FrozenDictionary<long, int> _composition;
    private readonly FrozenSet<int> _composesWithPrevious;

    public static NfcNormalizer Instance { get; } = new();

    private NfcNormalizer()
    {
        var ccc = new Dictionary<int, int>();
        var classes = NfcTables.CombiningClasses;
        for (int i = 0; i < classes.Length; i += 2) ccc[classes[i]] = classes[i + 1];
        _combiningClass = ccc.ToFrozenDictionary();

        var dec = new Dictionary<int, int[]>();
        var flat = NfcTables.Decompositions;
        for (int i = 0; i < flat.Length;)
        {
            int cp = flat[i], n = flat[i + 1];
            dec[cp] = flat.Slice(i + 2, n).ToArray();
            i += 2 + n;
        }
        _decomposition = dec.ToFrozenDictionary();

        var comp = new Dictionary<long, int>();
        var seconds = new HashSet<int>();
        var triples = NfcTables.Compositions;
        for (int i = 0; i < triples.Length; i += 3)
        {
            comp[PairKey(triples[i], triples[i + 1])] = triples[i + 2];
            seconds.Add(triples[i + 1]);
        }
        for (int v = 0; v < HangulVCount; v++) seconds.Add(HangulVBase + v);
        for (int t = 1; t < HangulTCount; t++) seconds.Add(HangulTBase + t);
        _composition = comp.ToFrozenDictionary();
        _composesWithPrevious = seconds.ToFrozenSet();
    }

    public override string Normalize(string original) => IsSurelyNfc(original) ? original : NormalizeSlow(original);

    public override string Normalize(ReadOnlySpan<char> original) =>
        IsSurelyNfc(original) ? original.ToString() : NormalizeSlow(original);

    /// <summary>The canonical combining class (0 for starters).</summary>
    public int CombiningClass(int codePoint) => _combiningClass.GetValueOrDefault(codePoint);

    /// <summary>A quick check: no character that could decompose, reorder or compose.</summary>
    private bool IsSurelyNfc(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
            if (c >= FirstCodePointThatMayChange) return IsSurelyNfcByCodePoint(text);
        return true;
    }

    private bool IsSurelyNfcByCodePoint(ReadOnlySpan<char> text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            int cp = rune.Value;
            if (cp < FirstCodePointThatMayChange) continue;
            if (_combiningClass.ContainsKey(cp) || _decomposition.ContainsKey(cp) || _composesWithPrevious.Contains(cp))
                return false;
        }
        return true;
    }

    private string NormalizeSlow(ReadOnlySpan<char> text)
    {
        var cps = new List<int>(text.Length + 8);
        foreach (var rune in text.EnumerateRunes()) Decompose(rune.Value, cps);
        ReorderCanonically(cps);
        int length = Compose(cps);
        var sb = new StringBuilder(length + 4);
        for (int i = 0; i < length; i++) sb.Append(char.ConvertFromUtf32(cps[i]));
        return sb.ToString();
    }

    private void Decompose(int cp, List<int> output)
    {
        int s = cp - HangulSBase;
        if (s is >= 0 and < HangulSCount)
        {
            output.Add(HangulLBase + s / HangulNCount);
            output.Add(HangulVBase + s % HangulNCount / HangulTCount);
            if (s % HangulTCount != 0) output.Add(HangulTBase + s % HangulTCount);
        }
        else if (_decomposition.TryGetValue(cp, out var full)) output.AddRange(full);
        else output.Add(cp);
    }

    /// <summary>Stable sort of every run of non-starters by combining class (insertion sort: runs are short).</summary>
    private void ReorderCanonically(List<int> cps)
    {
        for (int i = 1; i < cps.Count; i++)
        {
            int cc = CombiningClass(cps[i]);
            if (cc == 0) continue;
            int j = i;
            int moving = cps[i];
            while (j > 0 && CombiningClass(cps[j - 1]) > cc)
            {
                cps[j] = cps[j - 1];
                j--;
            }
            cps[j] = moving;
        }
    }

    /// <summary>The canonical composition algorithm of UAX #15, in place; returns the new length.</summary>
    private int Compose(List<int> cps)
    {
        if (cps.Count == 0) return 0;
        int starterPos = 0;
        int starter = cps[0];
        int lastClass = CombiningClass(starter) == 0 ? 0 : 256; // a leading non-starter blocks everything after it
        int write = 1;
        for (int read = 1; read < cps.Count; read++)
        {
            int ch = cps[read];
            int chClass = CombiningClass(ch);
            int composite = ComposePair(starter, ch);
            if (composite >= 0 && (lastClass < chClass || lastClass == 0))
            {
                cps[starterPos] = composite;
                starter = composite;
                continue;
            }
            if (chClass == 0)
            {
                starterPos = write;
                starter = ch;
            }
            lastClass = chClass;
            cps[write++] = ch;
        }
        return write;
    }

    private int ComposePair(int first, int second)
    {
        int l = first - HangulLBase, v = second - HangulVBase;
        if (l is >= 0 and < HangulLCount && v is >= 0 and < HangulVCount)
            return HangulSBase + (l * HangulVCount + v) * HangulTCount;
        int s = first - HangulSBase, t = second - HangulTBase;
        if (s is >= 0 and < HangulSCount && s % HangulTCount == 0 && t is > 0 and < HangulTCount)
            return first + t;
        return _composition.TryGetValue(PairKey(first, second), out int c) ? c : -1;
    }

    private static long PairKey(int first, int second) => ((long)first << 21) | (uint)second;
}
