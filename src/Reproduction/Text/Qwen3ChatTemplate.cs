using System.Text;

namespace Reproduction.Text;

/// <summary>
/// The Qwen3 chat template (the Jinja <c>chat_template</c> of the shipped tokenizer_config.json, sha256-pinned in
/// <see cref="ShippedTokenizerFiles"/>) for system, user and assistant turns, without tools:
/// <list type="bullet">
/// <item>a first system message opens the prompt; a later one is an ordinary turn;</item>
/// <item>every turn is <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c>;</item>
/// <item>an assistant turn's reasoning is its <c>ReasoningContent</c>, else the text of a <c>&lt;think&gt;…&lt;/think&gt;</c>
/// block in its content, and its content is then what follows the last <c>&lt;/think&gt;</c>, leading newlines dropped;</item>
/// <item>assistant turns after the last real user query (a user message not wholly wrapped in
/// <c>&lt;tool_response&gt;…&lt;/tool_response&gt;</c>) keep a <c>&lt;think&gt;\n{reasoning}\n&lt;/think&gt;\n\n</c> block: always for the
/// last message (even with empty reasoning), for earlier ones only when the reasoning is not empty; all other assistant
/// turns lose their reasoning;</item>
/// <item>the generation prompt is <c>&lt;|im_start|&gt;assistant\n</c>, followed by <c>&lt;think&gt;\n\n&lt;/think&gt;\n\n</c> only when
/// thinking is explicitly off (<c>enable_thinking=False</c>).</item>
/// </list>
/// </summary>
public static class Qwen3ChatTemplate
{
    private const string ImStart = "<|im_start|>";
    private const string ImEnd = "<|im_end|>";
    private const string ToolResponseOpen = "<tool_response>";
    private const string ToolResponseClose = "</tool_response>";
    private const string ThinkOpen = "<think>";
    private const string ThinkClose = "</think>";

    /// <summary>The empty think block that <c>enable_thinking=False</c> appends to the generation prompt.</summary>
    public const string EmptyThinkBlock = "<think>\n\n</think>\n\n";

    /// <summary>
    /// Renders <paramref name="messages"/> as <c>tokenizer.apply_chat_template(messages, tokenize=False,
    /// add_generation_prompt=…, enable_thinking=…)</c> does; <paramref name="enableThinking"/> null means not passed.
    /// </summary>
    public static string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = false, bool? enableThinking = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0) throw new ArgumentException("the Qwen3 chat template needs at least one message", nameof(messages));
        foreach (var m in messages)
            if (m.Role is not (ChatMessage.SystemRole or ChatMessage.UserRole or ChatMessage.AssistantRole))
                throw new ArgumentException($"role '{m.Role}' is not supported (system, user and assistant are)", nameof(messages));

        var sb = new StringBuilder();
        if (messages[0].Role == ChatMessage.SystemRole)
            sb.Append(ImStart).Append("system\n").Append(messages[0].Content).Append(ImEnd).Append('\n');

        int lastQueryIndex = LastQueryIndex(messages);
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message.Role == ChatMessage.UserRole || (message.Role == ChatMessage.SystemRole && i > 0))
            {
                sb.Append(ImStart).Append(message.Role).Append('\n').Append(message.Content).Append(ImEnd).Append('\n');
            }
            else if (message.Role == ChatMessage.AssistantRole)
            {
                var (content, reasoning) = SplitReasoning(message);
                bool isLast = i == messages.Count - 1;
                sb.Append(ImStart).Append(message.Role).Append('\n');
                if (i > lastQueryIndex && (isLast || reasoning.Length > 0))
                    sb.Append(ThinkOpen).Append('\n').Append(reasoning.Trim('\n')).Append('\n').Append(ThinkClose).Append("\n\n")
                      .Append(content.TrimStart('\n'));
                else
                    sb.Append(content);
                sb.Append(ImEnd).Append('\n');
            }
        }

        if (addGenerationPrompt)
        {
            sb.Append(ImStart).Append("assistant\n");
            if (enableThinking == false) sb.Append(EmptyThinkBlock);
        }
        return sb.ToString();
    }

    /// <summary>The index of the last user message that is not a wrapped tool response; the last index if there is none.</summary>
    private static int LastQueryIndex(IReadOnlyList<ChatMessage> messages)
    {
        for (int i = messages.Count - 1; i >= 0; i--)
        {
            var m = messages[i];
            bool toolResponse = m.Content.StartsWith(ToolResponseOpen, StringComparison.Ordinal)
                && m.Content.EndsWith(ToolResponseClose, StringComparison.Ordinal);
            if (m.Role == ChatMessage.UserRole && !toolResponse) return i;
        }
        return messages.Count - 1;
    }

    /// <summary>(content, reasoning) of an assistant turn, as the template's <c>split('&lt;/think&gt;')</c> logic computes them.</summary>
    private static (string Content, string Reasoning) SplitReasoning(ChatMessage message)
    {
        if (message.ReasoningContent is not null) return (message.Content, message.ReasoningContent);
        if (!message.Content.Contains(ThinkClose, StringComparison.Ordinal)) return (message.Content, "");
        var parts = message.Content.Split(ThinkClose);
        var content = parts[^1].TrimStart('\n');
        var reasoning = parts[0].TrimEnd('\n').Split(ThinkOpen)[^1].TrimStart('\n');
        return (content, reasoning);
    }
}
