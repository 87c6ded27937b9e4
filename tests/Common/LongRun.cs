namespace Repro.Tests;

/// <summary>
/// Tests too slow for the default run carry [Trait("Category", "Long")] and call <see cref="RequireOptIn"/> first: they
/// are skipped, with the command that runs them, unless REPRO_LONG is set, e.g.
/// <c>REPRO_LONG=1 dotnet test --project tests/Kernels/Repro.Tests.Kernels.csproj --filter-trait "Category=Long"</c>.
/// </summary>
public static class LongRun
{
    public const string Category = "Long";
    public const string OptInVariable = "REPRO_LONG";

    public static void RequireOptIn(string project)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(OptInVariable))) return;
        Assert.Skip($"long test: run it with `{OptInVariable}=1 dotnet test --project {project} --filter-trait \"Category={Category}\"`");
    }
}
