using Spectre.Console;

namespace Reproduction.Cli;

/// <summary>
/// Where a long verb's progress lines go: the console (the default), stderr (with `--json`, so stdout holds only the
/// JSON a script reads), or nowhere (`--quiet`).
/// </summary>
public static class ProgressLines
{
    public static Action<string> For(bool quiet, bool json) =>
        quiet ? _ => { }
        : json ? line => Console.Error.WriteLine(line)
        : line => AnsiConsole.MarkupLine(Markup.Escape(line));
}
