using System.Diagnostics;
using System.Text;

namespace Repro.Tests.Reliability;

/// <summary>
/// `dotnet repro.dll ARGS` as a child process (the repro.dll beside the test binary, so the shipped presets
/// are found next to it), with its output captured, and a SIGKILL (<see cref="Process.Kill()"/>) on demand.
/// Every child runs a bounded amount of work (a step count), so it is waited for without a time limit.
/// </summary>
public sealed class ReproChild : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public static string ReproDll => typeof(Reproduction.Cli.ReproCli).Assembly.Location;

    private ReproChild(IReadOnlyDictionary<string, string> environment, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ReproDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["NO_COLOR"] = "1";
        // One intra-op thread: on a shared machine libtorch's OpenMP pool spin-waits against the other processes.
        // Every run a test compares uses the same setting.
        info.Environment["OMP_NUM_THREADS"] = "1";
        foreach (var (k, v) in environment) info.Environment[k] = v;
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static ReproChild Start(params string[] args) => new(new Dictionary<string, string>(), args);

    /// <summary>A child with <paramref name="environment"/> set on top of this process's (e.g. an AtomicFile test hook).</summary>
    public static ReproChild Start(IReadOnlyDictionary<string, string> environment, params string[] args) => new(environment, args);

    /// <summary>Runs to the end; returns the exit code and the output.</summary>
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        using var child = Start(args);
        return (child.WaitForExit(), child.Output);
    }

    public bool HasExited => _process.HasExited;

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>SIGKILL, then waits until the process is gone.</summary>
    public void Kill()
    {
        try { _process.Kill(entireProcessTree: false); } catch (InvalidOperationException) { }   // already exited
        _process.WaitForExit();
    }

    public int WaitForExit()
    {
        _process.WaitForExit();                                                            // also drains the output
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    internal static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        return "dotnet";
    }
}
