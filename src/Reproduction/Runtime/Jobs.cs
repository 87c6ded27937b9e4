using System.Runtime.ExceptionServices;

namespace Reproduction.Runtime;

/// <summary>Independent jobs side by side on a fixed number of workers.</summary>
public static class Jobs
{
    /// <summary>
    /// <paramref name="body"/>(0 … count − 1) on up to <paramref name="parallelism"/> workers; a job's ReproException is
    /// rethrown as itself (Parallel.For wraps it in an AggregateException, which the CLI does not recognise as an error of
    /// the run: it must end with its one-line message and exit code 2).
    /// </summary>
    public static void For(int count, int parallelism, Action<int> body)
    {
        try { Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, body); }
        catch (AggregateException e) when (e.Flatten().InnerExceptions.FirstOrDefault(x => x is ReproException) is { } inner)
        {
            ExceptionDispatchInfo.Capture(inner).Throw();
        }
    }
}
