using System.Text.Json.Serialization;

namespace Reproduction.Grpo;

/// <summary>
/// What happens to a prompt longer than `max_prompt_length`: verl's `data.truncation` (RLHFDataset.__getitem__),
/// applied to the rendered prompt's token ids. Prompts dropped instead are `filter_overlong_prompts`.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<PromptTruncation>))]
public enum PromptTruncation
{
    /// <summary>verl's default: an over-long prompt is an error (here when the trainer is built, before any step).</summary>
    [JsonStringEnumMemberName("error")] Error,
    /// <summary>Keep the last max_prompt_length tokens (the end of the prompt, where the generation starts).</summary>
    [JsonStringEnumMemberName("left")] Left,
    /// <summary>Keep the first max_prompt_length tokens.</summary>
    [JsonStringEnumMemberName("right")] Right,
    /// <summary>Keep the first ⌊max/2⌋ and the last ⌈max/2⌉ tokens.</summary>
    [JsonStringEnumMemberName("middle")] Middle,
}
