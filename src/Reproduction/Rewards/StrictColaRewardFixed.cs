using System.Text.RegularExpressions;

namespace Reproduction.Rewards;

/// <summary>
/// <see cref="StrictColaReward"/> with the greedy-regex hack closed: the think block ends at the <b>first</b>
/// `</think>`, which must be followed by `\n\n`; the thought between `<think>\n` and it must be non-empty after
/// strip; the rest, stripped, must equal the label exactly. So
/// `<think>\n\n</think>\n\n</think>\n\nacceptable` and `<think>\n\n</think>\n\nacceptable</think>\n\nacceptable`
/// score −1 here and +1 under the public function. The fixed reward is never above the public one, and on every
/// completion with at most one `</think>` the two agree.
/// </summary>
public sealed class StrictColaRewardFixed : IReward
{
    private const string Close = "</think>";
    private static readonly Regex Open = new(@"\A<think>\n", RegexOptions.CultureInvariant);

    public string Name => "strict_cola_fixed";

    public double Score(string completion, string label)
    {
        ColaLabels.Check(label);
        return ExtractSolution(completion) is ({ } answer, { }) && answer == label ? ColaLabels.Correct : ColaLabels.Wrong;
    }

    /// <summary>(answer, thought) under the fixed rule; both null when the format does not hold.</summary>
    public static (string? Answer, string? Thought) ExtractSolution(string completion)
    {
        var open = Open.Match(completion);
        if (!open.Success) return (null, null);
        var close = completion.IndexOf(Close, open.Length, StringComparison.Ordinal);
        if (close < 0 || !completion.AsSpan(close + Close.Length).StartsWith("\n\n", StringComparison.Ordinal)) return (null, null);
        var thought = ColaLabels.PythonStrip(completion[open.Length..close]);
        var answer = ColaLabels.PythonStrip(completion[(close + Close.Length + 2)..]);
        return thought.Length > 0 && answer.Length > 0 ? (answer, thought) : (null, null);
    }
}
