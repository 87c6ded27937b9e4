namespace Reproduction;

/// <summary>
/// The project's own error for bad input or a failed run: the message names the file (or option) and the
/// problem, in one line. The CLI turns it into exit code 2 without a stack trace.
/// </summary>
public class ReproException : Exception
{
    public ReproException(string message) : base(message) { }
    public ReproException(string message, Exception inner) : base(message, inner) { }

    /// <summary>An error about one file: "PATH: problem".</summary>
    public static ReproException ForFile(string path, string problem, Exception? inner = null) =>
        inner is null ? new($"{path}: {problem}") : new($"{path}: {problem}", inner);
}
