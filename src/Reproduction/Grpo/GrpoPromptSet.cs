namespace Reproduction.Grpo;

/// <summary>
/// The prompts a GRPO run trains on after verl's length rule (RLHFDataset): with `filter_overlong_prompts` a prompt
/// over `max_prompt_length` tokens leaves the set when it is loaded; otherwise `truncation` cuts it (left, right,
/// middle) or refuses it (error). verl refuses lazily, when the prompt is first drawn; here the whole set is checked
/// when the trainer is built, so a run never stops midway for it.
/// </summary>
/// <param name="Prompts">The prompts in training order's index space, cut where needed.</param>
/// <param name="Truncated">Per prompt of <paramref name="Prompts"/>: whether it was cut.</param>
/// <param name="Filtered">How many prompts were dropped as over-long.</param>
public sealed record GrpoPromptSet(IReadOnlyList<GrpoPrompt> Prompts, IReadOnlyList<bool> Truncated, int Filtered)
{
    public static GrpoPromptSet Fit(IReadOnlyList<GrpoPrompt> prompts, GrpoOptions o)
    {
        int max = o.MaxPromptLength;
        var overlong = prompts.Select((p, i) => (p, i)).Where(x => x.p.PromptIds.Length > max).ToList();
        if (o.FilterOverlongPrompts)
        {
            var kept = prompts.Where(p => p.PromptIds.Length <= max).ToList();
            if (kept.Count == 0 && prompts.Count > 0)
                throw new ReproException($"grpo: all {prompts.Count} prompts are longer than max_prompt_length {max} and filter_overlong_prompts drops them all");
            return new GrpoPromptSet(kept, new bool[kept.Count], prompts.Count - kept.Count);
        }
        if (overlong.Count > 0 && o.Truncation == PromptTruncation.Error)
            throw new ReproException($"grpo: {overlong.Count} of {prompts.Count} prompts are longer than max_prompt_length {max} " +
                $"(prompt {overlong[0].i} has {overlong[0].p.PromptIds.Length} tokens) and truncation is 'error' (verl's default): " +
                "set truncation to left, right or middle, filter_overlong_prompts to true, or a larger max_prompt_length");
        return new GrpoPromptSet(
            prompts.Select(p => p.PromptIds.Length > max ? p with { PromptIds = Truncate(p.PromptIds, max, o.Truncation) } : p).ToList(),
            prompts.Select(p => p.PromptIds.Length > max).ToArray(), 0);
    }

    /// <summary>verl's cut of an over-long prompt to <paramref name="max"/> tokens.</summary>
    public static long[] Truncate(long[] ids, int max, PromptTruncation mode) => mode switch
    {
        _ when ids.Length <= max => ids,
        PromptTruncation.Left => ids[^max..],
        PromptTruncation.Right => ids[..max],
        PromptTruncation.Middle => [.. ids[..(max / 2)], .. ids[^(max - max / 2)..]],
        _ => throw new ReproException($"grpo: a prompt of {ids.Length} tokens is longer than max_prompt_length {max} (truncation 'error')"),
    };
}
