using System.CommandLine;
using Spectre.Console;

namespace Reproduction.Cli;

/// <summary>The `repro` command line: one verb per file in Cli/, each thin (parse, call the library, print).</summary>
public static class ReproCli
{
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Show stack traces on errors", Recursive = true };

    public static RootCommand Build()
    {
        var root = new RootCommand(
            "Repro: a test-driven reproduction of 'On the Non-decoupling of Supervised Fine-tuning and " +
            "Reinforcement Learning in Post-training' (arXiv 2601.07389).");
        root.Options.Add(Verbose);
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(StudyCommand.Create());
        root.Subcommands.Add(FrontierCommand.Create());
        root.Subcommands.Add(AblateCommand.Create());
        root.Subcommands.Add(PretrainCommand.Create());
        root.Subcommands.Add(SftCommand.Create());
        root.Subcommands.Add(GrpoCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(GateCommand.Create());
        root.Subcommands.Add(BaselineCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(TheoryCommand.Create());
        root.Subcommands.Add(LogitsCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        return root;
    }

    public static int Run(string[] args)
    {
        var root = Build();
        var parse = root.Parse(args);
        try
        {
            // The default handler would print a stack trace and return 1; bad input must be exit code 2 and one line.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is ReproException or IOException or UnauthorizedAccessException)
        {
            return ReportError(e, parse.GetValue(Verbose));
        }
    }

    /// <summary>Bad input: exit code 2, one line naming the file and the problem (stack trace with --verbose).</summary>
    public static int ReportError(Exception e, bool verbose)
    {
        Console.Error.WriteLine($"repro: error: {e.Message}");
        if (verbose) Console.Error.WriteLine(e.ToString());
        return 2;
    }

    internal static IAnsiConsole Out { get; set; } = AnsiConsole.Console;
}
