using System.Diagnostics;
using Reproduction.Training;

namespace Reproduction.Experiments;

/// <summary>
/// Progress of N independent jobs run side by side: after each finished one, "k/N {what} done, about mm:ss left",
/// the time left estimated from the mean time per finished job so far. Each job also gets a row on the live display
/// when the verb shows one (<see cref="Begin"/>; its trainers report their steps to it). Thread-safe.
/// </summary>
public sealed class JobProgress
{
    private readonly int _jobs;
    private readonly string _what;
    private readonly Func<TimeSpan> _clock;
    private int _finished;

    /// <param name="clock">Time since the jobs began (default: a stopwatch started now).</param>
    public JobProgress(int jobs, string what, Func<TimeSpan>? clock = null)
    {
        (_jobs, _what) = (jobs, what);
        var watch = Stopwatch.StartNew();
        _clock = clock ?? (() => watch.Elapsed);
        TrainingProgress.Current?.Expect(jobs, what);
    }

    /// <summary>The job <paramref name="label"/> (e.g. "seed 2 · RL-then-SFT") runs on this thread until the scope ends.</summary>
    public IDisposable Begin(string label) => TrainingProgress.Enter(label);

    public string Finished()
    {
        int done = Interlocked.Increment(ref _finished);
        var left = TimeSpan.FromSeconds(_clock().TotalSeconds / done * (_jobs - done));
        return $"{done}/{_jobs} {_what} done, about {left:mm\\:ss} left";
    }
}
