using System.Diagnostics;

namespace Repro.Tests.Verl;

/// <summary>
/// Runs an external program (python3, bash) found on PATH. When it is absent a test is skipped with the reason,
/// except under CI (`CI` set), where the tool is expected and its absence is a failure.
/// </summary>
internal static class ExternalTool
{
    /// <summary>Generous: a cold python3 start on 2 shared cores can take seconds.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    public static string Require(string name)
    {
        if (Find(name) is { } path) return path;
        var why = $"{name} is not on PATH (install it to run this cross-check; the C# side is still tested against the recorded values)";
        if (global::Repro.Tests.SharedData.InCi) Assert.Fail($"{why} (CI is set, so the cross-check must run)");
        Assert.Skip(why);
        throw new InvalidOperationException("unreachable");
    }

    public static (int Code, string Out, string Error) Run(string program, string workingDirectory, params string[] args) =>
        Run(program, workingDirectory, new Dictionary<string, string?>(), args);

    /// <summary>Runs `program args` in `workingDirectory` with `environment` set on top of this process's.</summary>
    public static (int Code, string Out, string Error) Run(string program, string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        foreach (var (k, v) in environment) info.Environment[k] = v;
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Timeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds} s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
