namespace Reproduction.Text;

/// <summary>
/// One chat turn as the Qwen3 chat template reads it: <c>role</c>, <c>content</c>, and the optional
/// <c>reasoning_content</c> of an assistant turn (null means "not given": the template then takes the reasoning
/// from a <c>&lt;think&gt;…&lt;/think&gt;</c> block in the content).
/// </summary>
public sealed record ChatMessage(string Role, string Content, string? ReasoningContent = null)
{
    public const string SystemRole = "system";
    public const string UserRole = "user";
    public const string AssistantRole = "assistant";

    public static ChatMessage SystemMessage(string content) => new(SystemRole, content);

    public static ChatMessage UserMessage(string content) => new(UserRole, content);

    public static ChatMessage AssistantMessage(string content, string? reasoningContent = null) => new(AssistantRole, content, reasoningContent);
}
