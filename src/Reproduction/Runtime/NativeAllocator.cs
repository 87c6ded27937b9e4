using System.Runtime.InteropServices;

namespace Reproduction.Runtime;

/// <summary>
/// How the `repro` process asks glibc's malloc (which libtorch's CPU allocator uses) to treat large blocks. By default
/// glibc serves every block above 32 MiB with a fresh mmap and unmaps it on free, so each training step of a
/// 0.6B-shaped model re-faults ~2.5 GB of zeroed pages (the dense embedding/lm_head gradient, AdamW's denominator,
/// activations: ~650k minor faults a step, measured with `repro bench --workloads profile`). <see cref="RetainFreedMemory"/>
/// turns mmap off for the heap (M_MMAP_MAX = 0) and never trims it (M_TRIM_THRESHOLD = max), so freed blocks are
/// reused without faults after the first steps — the role jemalloc/tcmalloc play for PyTorch on CPU. Cost: the
/// process keeps its peak heap and peaks a little higher (fragmentation). Numbers are unchanged: only where memory
/// comes from changes. `REPRO_MALLOC=system` keeps glibc's defaults.
/// </summary>
public static class NativeAllocator
{
    public const string EnvironmentVariable = "REPRO_MALLOC";
    private const int M_TRIM_THRESHOLD = -1, M_MMAP_MAX = -4;

    /// <summary>What this process uses: "retain" (set here), "system" (glibc defaults), or "n/a" (not glibc Linux).</summary>
    public static string Mode { get; private set; } = "system";

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    /// <summary>
    /// Returns the heap's free pages to the system now (glibc `malloc_trim(0)`), so that a resident-memory reading that
    /// follows starts from what is live rather than from what earlier work left free. A no-op off glibc Linux.
    /// </summary>
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { MallocTrim(0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    /// <summary>Applies the retaining policy unless REPRO_MALLOC=system; a no-op off glibc Linux. Returns the mode in force.</summary>
    public static string RetainFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return Mode = "n/a";
        if (string.Equals(Environment.GetEnvironmentVariable(EnvironmentVariable), "system", StringComparison.OrdinalIgnoreCase)) return Mode = "system";
        try
        {
            bool ok = MallOpt(M_MMAP_MAX, 0) == 1 && MallOpt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
            return Mode = ok ? "retain" : "system";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return Mode = "n/a";                                                    // musl or another libc: leave it alone
        }
    }
}
