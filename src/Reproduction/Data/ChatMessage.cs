namespace Reproduction.Data;

/// <summary>
/// One chat turn (role, content), as a chat template takes it. The task formatter produces these; rendering them
/// with the Qwen3 chat template is Text/'s job.
/// </summary>
public sealed record ChatMessage(string Role, string Content)
{
    public const string SystemRole = "system";
    public const string UserRole = "user";
    public const string AssistantRole = "assistant";

    public static ChatMessage User(string content) => new(UserRole, content);
    public static ChatMessage Assistant(string content) => new(AssistantRole, content);
}
