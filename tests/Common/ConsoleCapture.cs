namespace Repro.Tests.Cli;

/// <summary>Tests that redirect Console.Out/Error run alone (the console is process-wide).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "Console";
}

/// <summary>Redirects stdout and stderr for the duration of a test.</summary>
public sealed class ConsoleCapture : IDisposable
{
    private readonly TextWriter _out = Console.Out;
    private readonly TextWriter _err = Console.Error;
    public StringWriter Out { get; } = new();
    public StringWriter Error { get; } = new();

    public ConsoleCapture()
    {
        Console.SetOut(Out);
        Console.SetError(Error);
    }

    public void Dispose()
    {
        Console.SetOut(_out);
        Console.SetError(_err);
    }
}
