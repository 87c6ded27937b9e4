namespace Repro.Tests;

/// <summary>
/// Finds the reference data folder (`../shared`: golden outputs, tokenizer files, CoLA, the paper digest).
/// `REPRO_SHARED` wins if set; otherwise `shared/` beside the repository root. When it is absent a test
/// is skipped with a clear reason, except under CI (`CI` set), where a missing folder is a failure.
/// </summary>
public static class SharedData
{
    public const string EnvironmentVariable = "REPRO_SHARED";

    /// <summary>The repository root: the nearest folder above the test binary holding Repro.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The shared folder if it exists, else null.</summary>
    public static string? Root
    {
        get
        {
            var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
            var candidate = !string.IsNullOrEmpty(env) ? env : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            return Directory.Exists(candidate) ? candidate : null;
        }
    }

    public static bool InCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>
    /// What a test does when something it needs is absent (<paramref name="why"/> says what and how to get it): it is
    /// skipped with that reason on a user's machine, and fails under CI, where everything a test needs is expected.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Unavailable(string why)
    {
        if (InCi) Assert.Fail($"{why} (CI is set, so a test that cannot run fails)");
        Assert.Skip(why);
        throw new System.Diagnostics.UnreachableException();
    }

    /// <summary>The path of a folder or file under shared/, or skip (fail under CI) when it is absent.</summary>
    public static string Require(params string[] parts)
    {
        var root = Root;
        var rel = Path.Combine(parts);
        if (root is not null)
        {
            var full = Path.Combine(root, rel);
            if (Directory.Exists(full) || File.Exists(full)) return full;
        }
        var where = root is null
            ? $"no reference data folder: set {EnvironmentVariable} or place 'shared/' beside the repository ({Path.GetFullPath(Path.Combine(RepoRoot, ".."))})"
            : $"reference data '{rel}' is missing under {root}";
        Unavailable(where);
        return "";
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Repro.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Repro.sln not found above {AppContext.BaseDirectory}");
    }
}
