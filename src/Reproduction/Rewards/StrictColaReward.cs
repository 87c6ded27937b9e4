using System.Text.RegularExpressions;

namespace Reproduction.Rewards;

/// <summary>
/// The public CoLA setup's RL reward, faithfully (ytzfhqs/CoLA-RL `verl/utils/reward_score/cola.py`
/// `compute_score`; shared/paper/cola-setup.md): the completion must match `^<think>\n(.+)</think>\n\n`
/// (Python `re.match`, DOTALL: anchored at the start only), the captured thought must be non-empty after
/// `strip()`, and the rest after the match, stripped, must equal the label exactly (case-sensitive): +1, else −1.
/// <para>
/// Kept faithful on purpose, bug included: `.+` is greedy, so the "think block" runs to the <b>last</b>
/// `</think>\n\n`. `&lt;think&gt;\n\n&lt;/think&gt;\n\n&lt;/think&gt;\n\nacceptable` (an extra close tag) and a
/// label written before a repeated close tag both score +1 (cpu-study-findings.md §1). See
/// <see cref="StrictColaRewardFixed"/> and <see cref="ColaRewardHacks"/>.
/// </para>
/// </summary>
public sealed class StrictColaReward : IReward
{
    /// <summary>`re.match(r"<think>\n(.+)</think>\n\n", s, flags=re.DOTALL)` (cola.py:8): \A for match, Singleline for DOTALL.</summary>
    internal static readonly Regex ThinkPrefix = new(@"\A<think>\n(.+)</think>\n\n", RegexOptions.Singleline | RegexOptions.CultureInvariant);

    public string Name => "strict_cola";

    public double Score(string completion, string label)
    {
        ColaLabels.Check(label);
        var (answer, thought) = ExtractSolution(completion);
        return !string.IsNullOrEmpty(answer) && !string.IsNullOrEmpty(thought) && answer == label  // cola.py:24-30
            ? ColaLabels.Correct
            : ColaLabels.Wrong;
    }

    /// <summary>cola.py `extract_solution`: (answer, thought), each null when absent or empty after strip.</summary>
    public static (string? Answer, string? Thought) ExtractSolution(string completion)
    {
        var m = ThinkPrefix.Match(completion);
        if (!m.Success) return (null, null);
        var answer = ColaLabels.PythonStrip(completion[m.Length..]);                          // cola.py:9
        var thought = ColaLabels.PythonStrip(m.Groups[1].Value);                                // cola.py:10
        return (answer, thought.Length > 0 ? thought : null);
    }
}
