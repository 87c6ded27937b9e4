namespace Reproduction.Text;

/// <summary>
/// The ids of the Qwen3 added tokens this project uses (implementation notes §A.4). A loaded
/// <see cref="Qwen3Tokenizer"/> looks them up by content, so a folder whose ids differ is read correctly;
/// <see cref="Official"/> holds the values of the official Qwen3 tokenizer for code that has no tokenizer at hand.
/// </summary>
public sealed record Qwen3SpecialTokens(int EndOfText, int ImStart, int ImEnd, int Think, int EndThink)
{
    public const string EndOfTextToken = "<|endoftext|>";
    public const string ImStartToken = "<|im_start|>";
    public const string ImEndToken = "<|im_end|>";
    public const string ThinkToken = "<think>";
    public const string EndThinkToken = "</think>";

    /// <summary>The official Qwen3 ids (byte-identical tokenizer.json of Qwen/Qwen3-*).</summary>
    public static Qwen3SpecialTokens Official { get; } = new(151643, 151644, 151645, 151667, 151668);

    /// <summary>The tokenizer's eos_token: &lt;|im_end|&gt;.</summary>
    public int Eos => ImEnd;

    /// <summary>The tokenizer's pad_token: &lt;|endoftext|&gt;.</summary>
    public int Pad => EndOfText;

    /// <summary>The ids generation stops on (generation_config.json eos_token_id): &lt;|im_end|&gt; and &lt;|endoftext|&gt;.</summary>
    public IReadOnlyList<int> StopIds => [ImEnd, EndOfText];
}
