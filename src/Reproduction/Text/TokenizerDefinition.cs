namespace Reproduction.Text;

/// <summary>
/// What a byte-level BPE tokenizer is made of, as read from Hugging Face files (<see cref="HfTokenizerFiles"/>):
/// the BPE vocabulary (token strings in the <see cref="ByteLevelAlphabet"/>), the merges in rank order as
/// <c>"a b"</c>, and the added tokens. <paramref name="Source"/> names the file(s) it came from, for error messages.
/// </summary>
public sealed record TokenizerDefinition(
    IReadOnlyDictionary<string, int> Vocabulary,
    IReadOnlyList<string> Merges,
    IReadOnlyList<AddedToken> AddedTokens,
    string Source);
