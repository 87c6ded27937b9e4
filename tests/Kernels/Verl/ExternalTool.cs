using System.Diagnostics;

namespace Repro.Tests.Verl;

/// <summary>
/// Runs an external program (python3, bash) found on PATH. When it is absent a test is skipped with the reason,
/// except under CI (`CI` set), where the tool is expected and its absence is a failure. The programs run scripts over
/// the test's own small inputs (bounded work), so they are waited for without a time limit.
/// </summary>
internal static class ExternalTool
{
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    public static string Require(string name)
    {
        if (Find(name) is { } path) return path;
        global::Repro.Tests.SharedData.Unavailable($"{name} is not on PATH (install it to run this cross-check; the C# side is still tested against the recorded values)");
        return "";
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
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
