namespace Reproduction.Text;

/// <summary>
/// A token matched whole in the input before normalization and BPE (tokenizer.json <c>added_tokens</c>).
/// <paramref name="Special"/> is Hugging Face's <c>special</c> flag: only those are dropped by
/// <c>skipSpecialTokens</c>. In Qwen3, <c>&lt;think&gt;</c>, <c>&lt;/think&gt;</c> and the tool/FIM tokens are not special.
/// </summary>
public sealed record AddedToken(int Id, string Content, bool Special);
