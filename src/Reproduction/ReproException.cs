namespace Reproduction;

/// <summary>
/// The project's own error for bad input or a failed run: the message names the file (or option) and the
/// problem, in one line. The CLI turns it into exit code 2 without a stack trace.
/// </summary>
public class ReproException : Exception
{
    public ReproException(string message) : base(OneLine(message)) { }
    public ReproException(string message, Exception inner) : base(OneLine(message), inner) { }

    /// <summary>Line breaks quoted from an input (a JSON string, a tensor name) are escaped, so the message stays one line.</summary>
    private static string OneLine(string message) =>
        message.AsSpan().IndexOfAny('\r', '\n') < 0 ? message : message.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>An error about one file: "PATH: problem".</summary>
    public static ReproException ForFile(string path, string problem, Exception? inner = null) =>
        inner is null ? new($"{path}: {problem}") : new($"{path}: {problem}", inner);
}
