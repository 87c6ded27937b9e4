using System.Text.Json;
using Reproduction.Text;

namespace Repro.Tests.Text;

/// <summary>
/// One conversation of tests/Kernels/Text/chat-conversations.json: messages and apply_chat_template arguments.
/// tools/check_chat_template_snapshots.py renders the same file with the real Jinja template to check the snapshots.
/// </summary>
public sealed record ChatConversation(string Name, string Note, IReadOnlyList<ChatMessage> Messages, bool AddGenerationPrompt, bool? EnableThinking)
{
    public static string FilePath => Path.Combine(SharedData.RepoRoot, "tests", "Kernels", "Text", "chat-conversations.json");

    public static IReadOnlyList<ChatConversation> ReadAll()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FilePath));
        return doc.RootElement.EnumerateArray().Select(c => new ChatConversation(
            c.GetProperty("name").GetString()!,
            c.GetProperty("note").GetString()!,
            c.GetProperty("messages").EnumerateArray().Select(m => new ChatMessage(
                m.GetProperty("role").GetString()!,
                m.GetProperty("content").GetString()!,
                m.TryGetProperty("reasoning_content", out var r) ? r.GetString() : null)).ToList(),
            c.GetProperty("add_generation_prompt").GetBoolean(),
            c.GetProperty("enable_thinking").ValueKind == JsonValueKind.Null ? null : c.GetProperty("enable_thinking").GetBoolean()))
            .ToList();
    }
}
