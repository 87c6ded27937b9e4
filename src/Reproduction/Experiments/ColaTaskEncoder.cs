using Reproduction.Data;
using Reproduction.Grpo;
using Reproduction.Sft;
using Reproduction.Text;

namespace Reproduction.Experiments;

/// <summary>
/// Turns CoLA examples (real or synthetic) into model inputs, the one way every stage sees them:
/// the formatter's chat messages → the Qwen3 chat template → the Qwen3 tokenizer → (for tiny models) the
/// vocabulary subset. SFT prompts are rendered up to the assistant turn (`add_generation_prompt`), and the
/// completion is the SFT target followed by `&lt;|im_end|&gt;`, the token at which Qwen3's chat model stops
/// (so the loss covers the EOS of the answer, as TRL appends it). RL prompts are the user turn with
/// thinking on, as the public setup renders them.
/// </summary>
public sealed class ColaTaskEncoder(Qwen3Tokenizer tokenizer, ColaTaskFormatter formatter, VocabularySubset? subset = null)
{
    public Qwen3Tokenizer Tokenizer { get; } = tokenizer;
    public ColaTaskFormatter Formatter { get; } = formatter;
    public VocabularySubset? Subset { get; } = subset;

    public string SftPromptText(ColaExample e) =>
        Qwen3ChatTemplate.Render([ChatMessage.UserMessage(Formatter.SftPrompt(e.Sentence))], addGenerationPrompt: true, enableThinking: true);

    public string SftCompletionText(ColaExample e) => Formatter.SftTarget(e.Label) + Qwen3SpecialTokens.ImEndToken;

    public string RlPromptText(ColaExample e) =>
        Qwen3ChatTemplate.Render(Formatter.RlMessages(e), addGenerationPrompt: true, enableThinking: true);

    public SftExample Sft(ColaExample e) => new(Ids(SftPromptText(e)), Ids(SftCompletionText(e)));

    public GrpoPrompt Rl(ColaExample e) => new(Ids(RlPromptText(e)), Formatter.GroundTruth(e));

    /// <summary>Model ids of a text (compact ids when a subset is in use).</summary>
    public long[] Ids(string text)
    {
        var qwen = Tokenizer.Encode(text);
        return Subset is null ? qwen.Select(i => (long)i).ToArray() : Subset.ToCompact(qwen);
    }

    /// <summary>The text of generated model ids, special tokens (&lt;|im_end|&gt;, padding) skipped, think tags kept.</summary>
    public string Decode(IEnumerable<long> modelIds)
    {
        var qwen = Subset is null ? modelIds.Select(i => checked((int)i)) : Subset.ToQwen(modelIds);
        return Tokenizer.Decode(qwen, skipSpecialTokens: true);
    }

    public long ModelId(int qwenId) => Subset?.ToCompact(qwenId) ?? qwenId;

    /// <summary>The stop ids in model space (&lt;|im_end|&gt; and &lt;|endoftext|&gt;), and the pad id.</summary>
    public IReadOnlyList<long> StopIds => Tokenizer.SpecialTokens.StopIds.Where(i => Subset?.Contains(i) ?? true).Select(ModelId).ToArray();
    public long PadId => ModelId(Tokenizer.SpecialTokens.Pad);
}
