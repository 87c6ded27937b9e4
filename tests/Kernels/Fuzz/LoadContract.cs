using System.Diagnostics;
using Reproduction;

namespace Repro.Tests.Fuzz;

/// <summary>
/// The contract every reader of an input keeps: it loads, or it throws a <see cref="ReproException"/> whose one-line
/// message starts with the path of the input ("PATH: problem"). Never another exception type, never more than
/// <see cref="FuzzBudget.CaseCpuTime"/> of CPU on its thread, never more than <see cref="FuzzBudget.MaxAllocationPerCase"/>
/// managed bytes. Both bounds measure the case's own work, so a busy machine cannot fail a case.
/// </summary>
public static class LoadContract
{
    /// <summary>How often a running case's CPU time is read (a polling interval, not a limit).</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Runs `load` on its own thread and checks the contract. Returns null when it loaded, else the refusal message.
    /// `path` is what the message must start with (the file, or the folder for loaders that take one).
    /// </summary>
    public static string? Check(string path, Action load, object fuzzCase, TimeSpan? cpuBudget = null)
    {
        Exception? error = null;
        long allocated = 0;
        int nativeId = 0;
        var worker = new Thread(() =>
        {
            Volatile.Write(ref nativeId, NativeThreadId());
            long before = GC.GetAllocatedBytesForCurrentThread();
            try { load(); }
            catch (Exception e) { error = e; }
            finally { allocated = GC.GetAllocatedBytesForCurrentThread() - before; }
        }, maxStackSize: 16 << 20) { IsBackground = true, Name = "fuzz case" };
        worker.Start();
        var budget = cpuBudget ?? FuzzBudget.CaseCpuTime;
        while (!worker.Join(Poll))
            if (CpuTime(Volatile.Read(ref nativeId)) is { } used && used > budget)
                Assert.Fail($"{fuzzCase}: loading {path} used {used.TotalSeconds:0.#} s of CPU without finishing (budget {budget.TotalSeconds} s): a hang");
        if (allocated > FuzzBudget.MaxAllocationPerCase)
            Assert.Fail($"{fuzzCase}: loading {path} allocated {allocated:N0} managed bytes (limit {FuzzBudget.MaxAllocationPerCase:N0}): a length from the input was trusted");
        if (error is null) return null;
        if (error is not ReproException)
            Assert.Fail($"{fuzzCase}: loading {path} threw {error.GetType().Name} instead of ReproException: {error}");
        var message = error.Message;
        if (!message.StartsWith(path, StringComparison.Ordinal) || message.Length < path.Length + 3)
            Assert.Fail($"{fuzzCase}: the message does not start with the path {path} and a problem: \"{message}\"");
        if (message.Contains('\n') || message.Contains('\r'))
            Assert.Fail($"{fuzzCase}: the message is not one line: \"{message}\"");
        return message;
    }

    /// <summary>The calling thread's OS id (Linux: the first field of /proc/thread-self/stat); 0 where it is not known.</summary>
    private static int NativeThreadId()
    {
        try { return int.Parse(File.ReadAllText("/proc/thread-self/stat").Split(' ')[0]); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return 0; }
    }

    /// <summary>The CPU time an OS thread of this process has used, or null when it cannot be read (no id yet, not Linux).</summary>
    private static TimeSpan? CpuTime(int nativeId)
    {
        if (nativeId == 0) return null;
        using var self = Process.GetCurrentProcess();
        foreach (ProcessThread t in self.Threads)
            if (t.Id == nativeId) return t.TotalProcessorTime;
        return null;
    }
}
