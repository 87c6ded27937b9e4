using Reproduction;

namespace Repro.Tests.Fuzz;

/// <summary>
/// The contract every reader of an input keeps: it loads, or it throws a <see cref="ReproException"/> whose one-line
/// message starts with the path of the input ("PATH: problem"). Never another exception type, never longer than
/// <see cref="FuzzBudget.CaseTimeout"/>, never more than <see cref="FuzzBudget.MaxAllocationPerCase"/> managed bytes.
/// </summary>
public static class LoadContract
{
    /// <summary>
    /// Runs `load` on its own thread and checks the contract. Returns null when it loaded, else the refusal message.
    /// `path` is what the message must start with (the file, or the folder for loaders that take one).
    /// </summary>
    public static string? Check(string path, Action load, object fuzzCase, TimeSpan? timeout = null)
    {
        Exception? error = null;
        long allocated = 0;
        var worker = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try { load(); }
            catch (Exception e) { error = e; }
            finally { allocated = GC.GetAllocatedBytesForCurrentThread() - before; }
        }, maxStackSize: 16 << 20) { IsBackground = true, Name = "fuzz case" };
        worker.Start();
        var limit = timeout ?? FuzzBudget.CaseTimeout;
        if (!worker.Join(limit))
            Assert.Fail($"{fuzzCase}: loading {path} did not finish within {limit.TotalSeconds} s (a hang)");
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
}
