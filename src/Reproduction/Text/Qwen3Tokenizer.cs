using System.Collections.Frozen;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Reproduction.Text;

/// <summary>
/// The Qwen3 tokenizer, id for id the Hugging Face one (tokenizer.json of Qwen/Qwen3-*). Encoding runs:
/// added tokens split out of the raw text (<see cref="AddedTokenSplitter"/>) → on each piece between them,
/// NFC (<see cref="NfcNormalizer"/>) → the Qwen regex split (<see cref="Qwen3PreTokenizer"/>) → byte-level BPE
/// (Microsoft.ML.Tokenizers <see cref="BpeTokenizer"/>, <c>ByteLevel = true</c>). No BOS or EOS is added.
/// Decoding is HF's ByteLevel decoder over all ids at once, with <c>skipSpecialTokens</c> dropping only the added
/// tokens flagged special (ML.NET's own Decode would drop every added token, &lt;think&gt; included).
/// Immutable; Encode and Decode may be called from several threads.
/// </summary>
public sealed class Qwen3Tokenizer
{
    private readonly BpeTokenizer _bpe;
    private readonly AddedTokenSplitter _splitter;
    private readonly FrozenDictionary<int, AddedToken> _addedById;
    private readonly FrozenDictionary<string, int> _idByToken;
    private readonly byte[]?[] _bytesById;
    private readonly string?[] _tokenById;

    /// <summary>The BPE vocabulary plus the added tokens, from the folder it was loaded from.</summary>
    public TokenizerDefinition Definition { get; }

    /// <summary>The ids of &lt;|endoftext|&gt;, &lt;|im_start|&gt;, &lt;|im_end|&gt;, &lt;think&gt;, &lt;/think&gt; in this tokenizer.</summary>
    public Qwen3SpecialTokens SpecialTokens { get; }

    /// <summary>One more than the largest id (151,669 for Qwen3: 151,643 BPE tokens + 26 added tokens).</summary>
    public int VocabularySize => _tokenById.Length;

    public IReadOnlyList<AddedToken> AddedTokens => Definition.AddedTokens;

    public Qwen3Tokenizer(TokenizerDefinition definition)
    {
        Definition = definition;
        try
        {
            _bpe = BpeTokenizer.Create(new BpeOptions(definition.Vocabulary)
            {
                Merges = definition.Merges,
                PreTokenizer = Qwen3PreTokenizer.Instance,
                Normalizer = NfcNormalizer.Instance,
                ByteLevel = true,
            });
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw ReproException.ForFile(definition.Source, $"BPE model rejected: {e.Message}", e);
        }
        _splitter = new AddedTokenSplitter(definition.AddedTokens);
        _addedById = definition.AddedTokens.ToFrozenDictionary(t => t.Id);

        int size = Math.Max(
            definition.Vocabulary.Count == 0 ? 0 : definition.Vocabulary.Values.Max() + 1,
            definition.AddedTokens.Count == 0 ? 0 : definition.AddedTokens.Max(t => t.Id) + 1);
        _tokenById = new string?[size];
        _bytesById = new byte[]?[size];
        foreach (var (token, id) in definition.Vocabulary)
        {
            _tokenById[id] = token;
            _bytesById[id] = ByteLevelAlphabet.TryToBytes(token) ?? Encoding.UTF8.GetBytes(token);
        }
        foreach (var added in definition.AddedTokens)
        {
            _tokenById[added.Id] = added.Content;
            // As HF's ByteLevel decoder: a token wholly in the byte alphabet maps back through it, any other as UTF-8.
            _bytesById[added.Id] = ByteLevelAlphabet.TryToBytes(added.Content) ?? Encoding.UTF8.GetBytes(added.Content);
        }
        var idByToken = new Dictionary<string, int>(definition.Vocabulary, StringComparer.Ordinal);
        foreach (var added in definition.AddedTokens) idByToken[added.Content] = added.Id;
        _idByToken = idByToken.ToFrozenDictionary(StringComparer.Ordinal);

        SpecialTokens = new Qwen3SpecialTokens(
            RequireAdded(Qwen3SpecialTokens.EndOfTextToken), RequireAdded(Qwen3SpecialTokens.ImStartToken),
            RequireAdded(Qwen3SpecialTokens.ImEndToken), RequireAdded(Qwen3SpecialTokens.ThinkToken),
            RequireAdded(Qwen3SpecialTokens.EndThinkToken));
    }

    /// <summary>The tokenizer shipped with this program (assets/qwen3-tokenizer, sha256-checked); see <see cref="ShippedTokenizerFiles"/>.</summary>
    public static Qwen3Tokenizer LoadDefault() => new(ShippedTokenizerFiles.Read(ShippedTokenizerFiles.DefaultDirectory));

    /// <summary>A Hugging Face tokenizer folder (tokenizer.json, or vocab.json + merges.txt + tokenizer_config.json).</summary>
    public static Qwen3Tokenizer Load(string directory) => new(HfTokenizerFiles.Read(directory));

    /// <summary>
    /// The ids of <paramref name="text"/> (HF <c>encode(text, add_special_tokens=False)</c>). A lone UTF-16 surrogate,
    /// which a Rust string cannot hold, is encoded as U+FFFD, as a JavaScript or Python string reaching HF would be.
    /// </summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        var span = ReplaceLoneSurrogates(text).AsSpan();
        foreach (var segment in _splitter.Split(span))
        {
            if (segment.IsAddedToken) ids.Add(segment.TokenId);
            else ids.AddRange(_bpe.EncodeToIds(span.Slice(segment.Offset, segment.Length)));
        }
        return [.. ids];
    }

    /// <summary>
    /// The text of <paramref name="ids"/> (HF <c>decode(ids, skip_special_tokens)</c>): bytes of all tokens
    /// joined, then UTF-8 with U+FFFD for invalid sequences. Ids unknown to the tokenizer (e.g. the embedding
    /// padding rows 151,669–151,935) are skipped, as HF does.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_bytesById.Length || _bytesById[id] is not { } tokenBytes) continue;
            if (skipSpecialTokens && _addedById.TryGetValue(id, out var added) && added.Special) continue;
            bytes.AddRange(tokenBytes);
        }
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    private static string ReplaceLoneSurrogates(string text)
    {
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0) return text;
        var chars = text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) i++;
            else if (char.IsSurrogate(chars[i])) chars[i] = '\uFFFD';
        }
        return new string(chars);
    }

    /// <summary>The token string of an id (byte-level alphabet for BPE tokens), or null when the id is unknown.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_tokenById.Length ? _tokenById[id] : null;

    /// <summary>The id of a token string (byte-level alphabet, or an added token's content), or null.</summary>
    public int? TokenToId(string token) => _idByToken.TryGetValue(token, out int id) ? id : null;

    /// <summary>The added token with this id, or null.</summary>
    public AddedToken? AddedToken(int id) => _addedById.GetValueOrDefault(id);

    private int RequireAdded(string content)
    {
        var token = Definition.AddedTokens.FirstOrDefault(t => t.Content == content)
            ?? throw ReproException.ForFile(Definition.Source, $"added token '{content}' is missing (a Qwen3 tokenizer needs it)");
        return token.Id;
    }
}
