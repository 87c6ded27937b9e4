namespace Repro.Tests.Reliability;

/// <summary>
/// With stdout and stderr redirected (a log file, CI), a training verb prints plain lines: no live display, no control
/// codes, even where TERM names a terminal that takes them; its progress shows as a line at each quarter of the steps.
/// </summary>
public sealed class RedirectedOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-redirected-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Sft_with_redirected_output_writes_plain_lines_without_control_codes()
    {
        const int steps = 4;
        using var child = ReproChild.Start(new Dictionary<string, string> { ["TERM"] = "xterm-256color" },
            "sft", "--preset", "tiny-smoke", "--data", "synthetic", "--out", Path.Combine(_dir, "sft"), "--max-steps", steps.ToString());
        int code = child.WaitForExit();
        Assert.True(code == 0, child.Output);
        Assert.DoesNotContain('\u001b', child.Output);
        // one line at each quarter of the steps: 25, 50, 75 and 100%
        var quarters = child.Output.Split('\n').Where(l => l.StartsWith("SFT step ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["(25%)", "(50%)", "(75%)", "(100%)"], quarters.Select(l => l.TrimEnd()[l.TrimEnd().LastIndexOf('(')..]));
    }
}
