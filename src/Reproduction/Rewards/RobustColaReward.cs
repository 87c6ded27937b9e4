using System.Text.RegularExpressions;

namespace Reproduction.Rewards;

/// <summary>
/// The paper's robust evaluation (arXiv 2601.07389 §5.2; paper.md §4.4): "keeps the same scoring rule (+1 for
/// correct label, −1 otherwise) while scanning the whole output for 'acceptable' / 'unacceptable' and use the
/// last occurrence". Implemented as the last match of `\b(un)?acceptable\b`, case-insensitive, so the
/// "acceptable" inside "unacceptable" is never matched on its own; +1 if it equals the label, −1 if it differs
/// or nothing matches.
/// <para>
/// Decision: the <b>whole</b> output is scanned, text inside `&lt;think&gt;…&lt;/think&gt;` included, because
/// the paper says "the whole output". Consequence: a label mentioned only in the thought counts, and when the
/// answer after the think block has no label word, the last one in the thought decides. Word boundaries are
/// .NET's `\b` (letters, digits and `_` are word characters), so "acceptableness", "inacceptable" and "acceptable_" do not match,
/// while "Acceptable." and "un-acceptable" (read as "acceptable") do.
/// </para>
/// </summary>
public sealed class RobustColaReward : IReward
{
    private static readonly Regex LabelWord = new(@"\b(un)?acceptable\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    public string Name => "robust_cola";

    public double Score(string completion, string label)
    {
        ColaLabels.Check(label);
        return LastLabel(completion) == label ? ColaLabels.Correct : ColaLabels.Wrong;
    }

    /// <summary>The last label word in the text, lower-cased; null when there is none.</summary>
    public static string? LastLabel(string completion)
    {
        var matches = LabelWord.Matches(completion);
        return matches.Count == 0 ? null : matches[^1].Value.ToLowerInvariant();
    }

    /// <summary>Where the answer starts: the index of the last label word, the text's length when there is none.</summary>
    public static int AnswerStart(string completion)
    {
        var matches = LabelWord.Matches(completion);
        return matches.Count == 0 ? completion.Length : matches[^1].Index;
    }
}
