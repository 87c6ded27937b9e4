namespace Reproduction.Rewards;

/// <summary>The two CoLA label words as the public setup writes them (`reward_model.ground_truth`), and text helpers.</summary>
public static class ColaLabels
{
    public const string Acceptable = "acceptable";
    public const string Unacceptable = "unacceptable";

    /// <summary>The reward for a correct answer and for anything else (the paper's ±1).</summary>
    public const double Correct = 1.0, Wrong = -1.0;

    /// <summary>The label, or a <see cref="ReproException"/> if it is not one of the two words.</summary>
    public static string Check(string label) =>
        label is Acceptable or Unacceptable
            ? label
            : throw new ReproException($"CoLA label must be \"{Acceptable}\" or \"{Unacceptable}\", got \"{label}\"");

    /// <summary>
    /// Python's `str.strip()`: removes leading and trailing characters for which `str.isspace()` is true. That is
    /// .NET's whitespace plus U+001C..U+001F (Python counts the information separators as whitespace, .NET does not).
    /// </summary>
    public static string PythonStrip(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && IsPythonSpace(s[start])) start++;
        while (end > start && IsPythonSpace(s[end - 1])) end--;
        return s[start..end];
    }

    private static bool IsPythonSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';
}
