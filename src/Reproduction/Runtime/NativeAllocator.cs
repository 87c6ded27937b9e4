using System.Runtime.InteropServices;

namespace Reproduction.Runtime;

/// <summary>
/// How the `repro` process has libtorch's CPU allocator take memory from the system. By default every large block
/// is a fresh mmap of 4 KiB pages, unmapped on free, so each training step of a 0.6B-shaped model re-faults its large
/// blocks of zeroed pages (the dense embedding/lm_head gradient, AdamW's denominator, activations) one 4 KiB page at a
/// time. <see cref="UseHugePages"/> sets libtorch's own switch `THP_MEM_ALLOC_ENABLE=1` (c10's alloc_cpu: blocks ≥ 2 MiB
/// are 2 MiB-aligned and madvise(MADV_HUGEPAGE)d), which the kernel honours when transparent huge pages are `madvise` or
/// `always`: the same step then takes far fewer faults, and memory is still returned on free (docs/log.md has the
/// measurements). It must be set before libtorch allocates, so the CLI does it first thing. Numbers are unchanged: only
/// the page size changes. `REPRO_MALLOC=system` (or THP_MEM_ALLOC_ENABLE set by the user) leaves things as they are.
/// </summary>
public static class NativeAllocator
{
    public const string EnvironmentVariable = "REPRO_MALLOC";
    public const string LibtorchSwitch = "THP_MEM_ALLOC_ENABLE";

    /// <summary>What this process uses: "thp" (set here), "user" (the user's THP_MEM_ALLOC_ENABLE), "system", or "n/a".</summary>
    public static string Mode { get; private set; } = "system";

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetEnv(string name);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    /// <summary>Sets libtorch's huge-page switch in the native environment unless opted out; a no-op off glibc Linux.</summary>
    public static string UseHugePages()
    {
        if (!OperatingSystem.IsLinux()) return Mode = "n/a";
        if (string.Equals(Environment.GetEnvironmentVariable(EnvironmentVariable), "system", StringComparison.OrdinalIgnoreCase)) return Mode = "system";
        try
        {
            if (GetEnv(LibtorchSwitch) != IntPtr.Zero) return Mode = "user";
            return Mode = SetEnv(LibtorchSwitch, "1", 0) == 0 ? "thp" : "system";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return Mode = "n/a";                                                    // another libc: leave it alone
        }
    }

    /// <summary>
    /// Returns the heap's free pages to the system now (glibc `malloc_trim(0)`), so that a resident-memory reading that
    /// follows starts from what is live rather than from what earlier work left free. A no-op off glibc Linux.
    /// </summary>
    /// <summary>
    /// After a model or an optimizer state is disposed: runs the finalizers of tensor handles that were dropped without
    /// Dispose (each keeps its storage alive until then, whatever was disposed), then <see cref="Trim"/>s.
    /// </summary>
    public static void Release()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Trim();
    }

    public static void Trim()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { MallocTrim(0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }
}
