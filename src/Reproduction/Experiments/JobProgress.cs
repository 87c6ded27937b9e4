using System.Diagnostics;

namespace Reproduction.Experiments;

/// <summary>
/// Progress of N independent jobs run side by side: after each finished one, "k/N {what} done, about mm:ss left",
/// the time left estimated from the mean time per finished job so far. Thread-safe.
/// </summary>
public sealed class JobProgress(int jobs, string what)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _finished;

    public string Finished()
    {
        int done = Interlocked.Increment(ref _finished);
        var left = TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds / done * (jobs - done));
        return $"{done}/{jobs} {what} done, about {left:mm\\:ss} left";
    }
}
