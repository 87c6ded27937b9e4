using System.Diagnostics;

namespace Repro.Tests.Reliability;

/// <summary>
/// On a terminal (a pseudo-terminal from util-linux `script`, as a user's shell gives), a training verb shows the live
/// display on stderr: the cursor hidden while it runs, the header with jobs done, one row per job with its stage and
/// step ("seed 1 · sft 12/30"), the rows cleared at the end, the cursor shown again, and the verb's summary line after it.
/// The redirected case (plain lines, no control codes) is <see cref="RedirectedOutputTests"/>.
/// </summary>
public sealed class TerminalDisplayTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-terminal-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private const string Script = "/usr/bin/script";

    [Fact]
    public async Task Sft_on_a_terminal_shows_live_rows_with_the_step_and_restores_the_cursor()
    {
        if (!File.Exists(Script))
        {
            if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 }) Assert.Fail($"{Script} (util-linux) is needed to run a verb on a pseudo-terminal, and CI is set");
            Assert.Skip($"{Script} (util-linux) is not installed: no pseudo-terminal to run the verb on");
        }
        const int steps = 30;
        string command = string.Join(' ', new[] { ReproChild.DotnetHost(), ReproChild.ReproDll, "sft", "--preset", "tiny-smoke", "--data", "synthetic",
            "--out", Path.Combine(_dir, "sft"), "--max-steps", steps.ToString() }.Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        var info = new ProcessStartInfo(Script) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-qefc", command, "/dev/null" }) info.ArgumentList.Add(a);
        info.Environment["TERM"] = "xterm-256color";
        info.Environment["NO_COLOR"] = "1";
        info.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(info)!;
        var token = TestContext.Current.CancellationToken;
        var stderr = process.StandardError.ReadToEndAsync(token);
        string output = await process.StandardOutput.ReadToEndAsync(token);   // the terminal's bytes: stdout and stderr of the verb
        await process.WaitForExitAsync(token);
        Assert.True(process.ExitCode == 0, output + await stderr);
        int hidden = output.IndexOf("\u001b[?25l", StringComparison.Ordinal), shown = output.LastIndexOf("\u001b[?25h", StringComparison.Ordinal);
        Assert.True(hidden >= 0 && shown > hidden, "cursor hidden while the display runs and shown again after it");
        var live = output[hidden..shown];
        Assert.Contains("0/1 jobs done", live);
        Assert.Matches(@"seed 1 · sft \d+/30", live);
        Assert.Contains("done: 30 steps", output[shown..]);
    }
}
