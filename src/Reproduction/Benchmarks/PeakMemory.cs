using Reproduction.Cli;
using Reproduction.Runtime;

namespace Reproduction.Benchmarks;

/// <summary>
/// Peak resident memory of one block of a workload, in this process: VmHWM is reset before the block (writing "5" to
/// /proc/self/clear_refs, Linux ≥ 4.0) and read after it. The figure therefore includes everything already resident
/// (the .NET runtime, libtorch, the tokenizer, models of earlier blocks not yet collected), not only the block's own
/// allocations; where the reset is not possible it is the process peak so far, and the name says so.
/// </summary>
public sealed class PeakMemory
{
    private readonly bool _reset;

    private PeakMemory(bool reset) => _reset = reset;

    public static PeakMemory Start()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();                                         // tensors freed by the finalizers above
        Runtime.NativeAllocator.Trim();                       // free heap pages (glibc keeps blocks under 32 MiB) go back first
        return new PeakMemory(ProcessMemory.ResetPeak());
    }

    public BenchCommand.Figure Figure(string workload, string block)
    {
        double mib = (ProcessMemory.PeakResidentBytes() ?? 0) / 1048576.0;
        return Measure.Single(workload, $"{block}: peak RSS{(_reset ? "" : " (process peak, not reset)")}", mib, "MiB peak RSS");
    }
}
