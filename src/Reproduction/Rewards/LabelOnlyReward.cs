using System.Text.RegularExpressions;

namespace Reproduction.Rewards;

/// <summary>
/// The control reward of cpu-study-findings.md §1: +1 iff the answer is exactly the label, with no format
/// requirement on the thought. The answer is the text after an optional leading think block (from `<think>` to
/// the first `</think>`; the block may be empty, so the SFT target `<think>\n\n</think>\n\nacceptable` scores
/// +1), stripped as Python's `str.strip()` does; the comparison is exact and case-sensitive. Otherwise −1.
/// </summary>
public sealed class LabelOnlyReward : IReward
{
    private static readonly Regex OptionalThink = new(@"\A(?:<think>.*?</think>)?", RegexOptions.Singleline | RegexOptions.CultureInvariant);

    public string Name => "label_only";

    public double Score(string completion, string label)
    {
        ColaLabels.Check(label);
        return Answer(completion) == label ? ColaLabels.Correct : ColaLabels.Wrong;
    }

    /// <summary>The stripped text after the optional leading think block.</summary>
    public static string Answer(string completion) =>
        ColaLabels.PythonStrip(completion[OptionalThink.Match(completion).Length..]);
}
