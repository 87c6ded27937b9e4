using Reproduction.Text;
using Snapshooter;
using Snapshooter.Xunit3;
using static Reproduction.Text.ChatMessage;

namespace Repro.Tests.Text;

/// <summary>
/// The Qwen3 chat template: literal renderings of the cases this project relies on, and snapshots of a fixed set
/// of conversations (chat-conversations.json), each compared with the real Jinja template by
/// tools/check_chat_template_snapshots.py and read by hand. Under CI a missing snapshot is a failure.
/// </summary>
public sealed class Qwen3ChatTemplateTests(ShippedTokenizerFixture fixture)
{
    private const string ColaPromptNoThink = "Sentence: They drank the pub dry.\n\nYour answer:/no_think";

    [Fact]
    public void The_sft_prompt_with_thinking_off_ends_with_the_empty_think_block() =>
        Assert.Equal(
            "<|im_start|>user\nSentence: They drank the pub dry.\n\nYour answer:/no_think<|im_end|>\n" +
            "<|im_start|>assistant\n<think>\n\n</think>\n\n",
            Qwen3ChatTemplate.Render([UserMessage(ColaPromptNoThink)], addGenerationPrompt: true, enableThinking: false));

    [Fact]
    public void The_rl_prompt_with_thinking_on_or_unspecified_ends_at_the_assistant_header()
    {
        const string Expected = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(Expected, Qwen3ChatTemplate.Render([UserMessage("Hi")], addGenerationPrompt: true));
        Assert.Equal(Expected, Qwen3ChatTemplate.Render([UserMessage("Hi")], addGenerationPrompt: true, enableThinking: true));
    }

    [Fact]
    public void An_sft_example_is_the_no_think_prompt_followed_by_the_label_and_im_end_newline()
    {
        var prompt = Qwen3ChatTemplate.Render([UserMessage(ColaPromptNoThink)], addGenerationPrompt: true, enableThinking: false);
        var full = Qwen3ChatTemplate.Render([UserMessage(ColaPromptNoThink), AssistantMessage("<think>\n\n</think>\n\nacceptable")]);
        Assert.Equal(prompt + "acceptable<|im_end|>\n", full);
    }

    [Fact]
    public void A_last_assistant_turn_without_reasoning_still_gets_the_empty_think_block() =>
        Assert.Equal(
            "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nA<|im_end|>\n",
            Qwen3ChatTemplate.Render([UserMessage("Q"), AssistantMessage("A")]));

    [Fact]
    public void Reasoning_of_an_assistant_turn_before_the_last_query_is_stripped() =>
        Assert.Equal(
            "<|im_start|>system\nS<|im_end|>\n" +
            "<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n" +
            "<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n<think>\nr2\n</think>\n\nA2<|im_end|>\n",
            Qwen3ChatTemplate.Render([
                SystemMessage("S"), UserMessage("Q1"), AssistantMessage("<think>\nr1\n</think>\n\nA1"),
                UserMessage("Q2"), AssistantMessage("<think>\nr2\n</think>\n\nA2")]));

    [Fact]
    public void The_rendered_no_think_prompt_tokenizes_to_chatml_and_think_ids()
    {
        var ids = fixture.Tokenizer.Encode(Qwen3ChatTemplate.Render([UserMessage("Hi")], addGenerationPrompt: true, enableThinking: false));
        // <|im_start|> user \n Hi <|im_end|> \n <|im_start|> assistant \n <think> \n\n </think> \n\n
        Assert.Equal([151644, 872, 198, 13048, 151645, 198, 151644, 77091, 198, 151667, 271, 151668, 271], ids);
    }

    [Fact]
    public void Unsupported_roles_and_empty_conversations_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Qwen3ChatTemplate.Render([new ChatMessage("tool", "42")]));
        Assert.Throws<ArgumentException>(() => Qwen3ChatTemplate.Render([]));
    }

    public static IEnumerable<TheoryDataRow<string>> ConversationNames() =>
        ChatConversation.ReadAll().Select(c => new TheoryDataRow<string>(c.Name));

    [Theory]
    [MemberData(nameof(ConversationNames))]
    public void Rendered_conversations_match_their_snapshots(string name)
    {
        var conversation = ChatConversation.ReadAll().Single(c => c.Name == name);
        var rendered = Qwen3ChatTemplate.Render(conversation.Messages, conversation.AddGenerationPrompt, conversation.EnableThinking);
        var snapshotName = SnapshotNameExtension.Create(name);
        if (SharedData.InCi)
        {
            var file = Path.Combine(SharedData.RepoRoot, "tests", "Kernels", "Text", "__snapshots__",
                $"{nameof(Qwen3ChatTemplateTests)}.{nameof(Rendered_conversations_match_their_snapshots)}_{name}.snap");
            Assert.True(File.Exists(file), $"{file}: snapshot missing (CI is strict: create it locally, check it, commit it)");
        }
        Snapshot.Match(rendered, snapshotName);
    }
}
