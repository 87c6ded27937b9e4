namespace Repro.Tests.Fuzz;

/// <summary>
/// How many cases each fuzz property runs, in one place. The default run (`dotnet test Repro.sln`) runs <see cref="Small"/>
/// cases per property (a few hundred in all, seconds). The properties tagged <c>[Trait("Category", "Fuzz")]</c> run
/// <see cref="Large"/> cases each (≥ 10,000 in all) and are skipped unless <c>REPRO_FUZZ</c> or <c>REPRO_FUZZ_CASES</c> is set:
/// <c>REPRO_FUZZ=1 dotnet test --project tests/Kernels/Repro.Tests.Kernels.csproj --filter-trait "Category=Fuzz"</c>.
/// </summary>
public static class FuzzBudget
{
    public const string OptInVariable = "REPRO_FUZZ";
    public const string CasesVariable = "REPRO_FUZZ_CASES";
    public const string Command = "REPRO_FUZZ=1 dotnet test --project tests/Kernels/Repro.Tests.Kernels.csproj --filter-trait \"Category=Fuzz\"";

    /// <summary>Cases per property in the default run.</summary>
    public const int Small = 25;

    /// <summary>Cases per property of the large run unless REPRO_FUZZ_CASES says otherwise.</summary>
    public const int DefaultLarge = 2000;

    /// <summary>
    /// No single case (one load of one mutated input) may use more CPU time on its thread: a loop on a length read from the
    /// input never ends, and a correct load needs a small fraction of this. CPU time, not elapsed time: a case that waits
    /// for a core on a busy machine uses none.
    /// </summary>
    public static readonly TimeSpan CaseCpuTime = TimeSpan.FromSeconds(10);

    /// <summary>Managed bytes one case may allocate on its thread; the inputs are at most ~1 MB, so more means a length was trusted.</summary>
    public const long MaxAllocationPerCase = 256L << 20;

    /// <summary>Cases per property of the large run: REPRO_FUZZ_CASES when it is a positive integer, else <see cref="DefaultLarge"/>.</summary>
    public static int Large =>
        int.TryParse(Environment.GetEnvironmentVariable(CasesVariable), out var n) && n > 0 ? n : DefaultLarge;

    /// <summary>Skips a large property unless the fuzz run was asked for.</summary>
    public static void RequireOptIn()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(OptInVariable))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(CasesVariable))) return;
        Assert.Skip($"large fuzz property ({DefaultLarge} cases): run it with `{Command}` (or set {CasesVariable}=N for N cases per property)");
    }
}
