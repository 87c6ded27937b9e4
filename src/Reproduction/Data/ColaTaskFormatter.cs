using Reproduction.Text;
namespace Reproduction.Data;

/// <summary>
/// The one place a CoLA example (real or synthetic) is turned into chat messages and labels, following a
/// <see cref="TaskFormat"/> (default: the public CoLA-RL setup). It produces messages; it renders no chat template.
/// </summary>
public sealed class ColaTaskFormatter(TaskFormat format)
{
    public static ColaTaskFormatter ColaRl { get; } = new(TaskFormat.ColaRl);

    public TaskFormat Format { get; } = format;

    /// <summary>The prompt text for a sentence, stripped (Python <c>.strip()</c>), without any suffix.</summary>
    public string Prompt(string sentence)
    {
        if (string.IsNullOrWhiteSpace(sentence)) throw new ReproException("task format: empty sentence");
        return Format.PromptTemplate.Replace(TaskFormat.SentencePlaceholder, sentence, StringComparison.Ordinal).Trim();
    }

    /// <summary>The SFT instruction: the prompt, then <c>/no_think</c> directly after it when configured.</summary>
    public string SftPrompt(string sentence) => Prompt(sentence) + (Format.NoThinkOnSftPrompts ? Format.NoThinkSuffix : "");

    /// <summary>The RL prompt: the prompt (by default without <c>/no_think</c>: thinking stays on).</summary>
    public string RlPrompt(string sentence) => Prompt(sentence) + (Format.NoThinkOnRlPrompts ? Format.NoThinkSuffix : "");

    /// <summary>The label word: 1 → "acceptable", 0 → "unacceptable". Unlabeled rows have none.</summary>
    public string LabelText(int label) => label switch
    {
        ColaExample.Acceptable => Format.AcceptableLabel,
        ColaExample.Unacceptable => Format.UnacceptableLabel,
        _ => throw new ReproException($"task format: label {label} has no label word (expected 0 or 1)"),
    };

    /// <summary>The RL ground truth (verl's <c>reward_model.ground_truth</c>): the label word.</summary>
    public string GroundTruth(ColaExample example) => LabelText(example.Label);

    /// <summary>The SFT response: <c>&lt;think&gt;\n\n&lt;/think&gt;\n\n{label}</c> by default.</summary>
    public string SftTarget(int label) => Format.SftTargetTemplate.Replace(TaskFormat.LabelPlaceholder, LabelText(label), StringComparison.Ordinal);

    /// <summary>An SFT pair: the user's instruction and the assistant's target.</summary>
    public IReadOnlyList<ChatMessage> SftMessages(ColaExample example) =>
        [ChatMessage.UserMessage(SftPrompt(example.Sentence)), ChatMessage.AssistantMessage(SftTarget(example.Label))];

    /// <summary>The RL prompt as messages (verl's <c>prompt</c> column): one user message.</summary>
    public IReadOnlyList<ChatMessage> RlMessages(ColaExample example) => [ChatMessage.UserMessage(RlPrompt(example.Sentence))];
}
