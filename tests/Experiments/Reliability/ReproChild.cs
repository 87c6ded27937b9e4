using System.Diagnostics;
using System.Text;

namespace Repro.Tests.Reliability;

/// <summary>
/// `dotnet repro.dll ARGS` as a child process (the repro.dll beside the test binary, so the shipped presets
/// are found next to it), with its output captured, and a SIGKILL (<see cref="Process.Kill()"/>) on demand.
/// </summary>
public sealed class ReproChild : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public static string ReproDll => typeof(Reproduction.Cli.ReproCli).Assembly.Location;

    private ReproChild(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ReproDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["NO_COLOR"] = "1";
        // One intra-op thread: on a shared 2-core machine libtorch's OpenMP pool spin-waits against the other
        // processes and a 4 s run takes a minute. Every run a test compares uses the same setting.
        info.Environment["OMP_NUM_THREADS"] = "1";
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static ReproChild Start(params string[] args) => new(args);

    /// <summary>Runs to the end (or fails after <paramref name="timeout"/>); returns the exit code.</summary>
    public static (int ExitCode, string Output) Run(TimeSpan timeout, params string[] args)
    {
        using var child = Start(args);
        return (child.WaitForExit(timeout), child.Output);
    }

    public bool HasExited => _process.HasExited;

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>SIGKILL, then waits until the process is gone.</summary>
    public void Kill()
    {
        try { _process.Kill(entireProcessTree: false); } catch (InvalidOperationException) { }   // already exited
        _process.WaitForExit();
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"repro did not finish within {timeout}: {Output}");
        }
        _process.WaitForExit();                                                            // drains the output
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        return "dotnet";
    }
}
