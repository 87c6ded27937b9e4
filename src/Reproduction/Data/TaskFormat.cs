namespace Reproduction.Data;

/// <summary>
/// How a CoLA example becomes a prompt and a response. <see cref="ColaRl"/> is the public CoLA-RL setup
/// (ytzfhqs/CoLA-RL @ 66bc377, see shared/paper/cola-setup.md), which matches the paper on every stated point:
/// <list type="bullet">
/// <item>one user message: <see cref="PromptTemplate"/> with <c>{sentence}</c> filled in, then stripped;</item>
/// <item>SFT prompts get <see cref="NoThinkSuffix"/> (<c>/no_think</c>) appended directly after "Your answer:";
/// RL prompts do not (thinking stays on, the model writes its own think block);</item>
/// <item>labels <c>acceptable</c> / <c>unacceptable</c>; SFT target <c>&lt;think&gt;\n\n&lt;/think&gt;\n\n{label}</c>.</item>
/// </list>
/// Validated once at construction (a <see cref="ReproException"/> names the bad field).
/// </summary>
public sealed record TaskFormat
{
    public const string SentencePlaceholder = "{sentence}";
    public const string LabelPlaceholder = "{label}";

    public const string ColaRlPromptTemplate =
        "Decide whether the following sentence is grammatically acceptable or not. If it is grammatically correct, answer \"acceptable\". " +
        "If not, answer \"unacceptable\". Only output \"acceptable\" or \"unacceptable\", and do not output any other information.\n\n" +
        "Sentence: {sentence}\n\nYour answer:";

    public static TaskFormat ColaRl { get; } = new();

    public string PromptTemplate { get; }
    public string AcceptableLabel { get; }
    public string UnacceptableLabel { get; }
    public string SftTargetTemplate { get; }
    public string NoThinkSuffix { get; }
    public bool NoThinkOnSftPrompts { get; }
    public bool NoThinkOnRlPrompts { get; }

    public TaskFormat(
        string promptTemplate = ColaRlPromptTemplate,
        string acceptableLabel = "acceptable",
        string unacceptableLabel = "unacceptable",
        string sftTargetTemplate = "<think>\n\n</think>\n\n{label}",
        string noThinkSuffix = "/no_think",
        bool noThinkOnSftPrompts = true,
        bool noThinkOnRlPrompts = false)
    {
        if (Count(promptTemplate, SentencePlaceholder) != 1)
            throw new ReproException($"task format: promptTemplate must contain {SentencePlaceholder} exactly once");
        if (Count(sftTargetTemplate, LabelPlaceholder) != 1)
            throw new ReproException($"task format: sftTargetTemplate must contain {LabelPlaceholder} exactly once");
        if (string.IsNullOrWhiteSpace(acceptableLabel) || string.IsNullOrWhiteSpace(unacceptableLabel) || acceptableLabel == unacceptableLabel)
            throw new ReproException("task format: the two labels must be non-empty and different");
        if ((noThinkOnSftPrompts || noThinkOnRlPrompts) && string.IsNullOrEmpty(noThinkSuffix))
            throw new ReproException("task format: noThinkSuffix is empty but a prompt kind is configured to use it");
        PromptTemplate = promptTemplate;
        AcceptableLabel = acceptableLabel;
        UnacceptableLabel = unacceptableLabel;
        SftTargetTemplate = sftTargetTemplate;
        NoThinkSuffix = noThinkSuffix;
        NoThinkOnSftPrompts = noThinkOnSftPrompts;
        NoThinkOnRlPrompts = noThinkOnRlPrompts;
    }

    private static int Count(string s, string part)
    {
        int n = 0;
        for (int i = s.IndexOf(part, StringComparison.Ordinal); i >= 0; i = s.IndexOf(part, i + part.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
