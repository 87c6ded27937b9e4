using System.Diagnostics;
using Reproduction.Cli;
using TorchSharp;

namespace Reproduction.Benchmarks;

/// <summary>Seconds of one piece of work: median, min and max of N repetitions after warm-up runs.</summary>
public sealed record Timing(double Median, double Min, double Max, int Repetitions);

/// <summary>
/// The one timing loop of `repro bench`: `warmup` untimed runs, then `repetitions` timed ones, each in its own
/// torch.NewDisposeScope (so nothing a repetition allocates outlives it). The work must finish its computation
/// before returning (read a value back), or the clock would time only the dispatch.
/// </summary>
public static class Measure
{
    public static Timing Seconds(Action work, int repetitions, int warmup = 1)
    {
        if (repetitions < 1) throw new ReproException($"--repetitions: must be at least 1, got {repetitions}");
        for (int i = 0; i < warmup; i++)
        {
            using var scope = torch.NewDisposeScope();
            work();
        }
        var seconds = new List<double>();
        for (int r = 0; r < repetitions; r++)
        {
            using var scope = torch.NewDisposeScope();
            var clock = Stopwatch.StartNew();
            work();
            seconds.Add(clock.Elapsed.TotalSeconds);
        }
        return Summarize(seconds);
    }

    /// <summary>
    /// Ours and a reference side by side: `warmup` untimed runs of each, then `repetitions` rounds that run both, the
    /// order swapped every round (ours first, then the reference first, …) so that neither always runs in the other's
    /// wake. `reference` runs one repetition and returns its own seconds (it times itself, in its process).
    /// </summary>
    public static (Timing Ours, Timing Reference) Paired(Action ours, Func<double> reference, int repetitions, int warmup = 1)
    {
        if (repetitions < 1) throw new ReproException($"--repetitions: must be at least 1, got {repetitions}");
        for (int i = 0; i < warmup; i++)
        {
            using (torch.NewDisposeScope()) ours();
            reference();
        }
        var mine = new List<double>();
        var theirs = new List<double>();
        for (int r = 0; r < repetitions; r++)
        {
            if (r % 2 == 1) theirs.Add(reference());
            using (torch.NewDisposeScope())
            {
                var clock = Stopwatch.StartNew();
                ours();
                mine.Add(clock.Elapsed.TotalSeconds);
            }
            if (r % 2 == 0) theirs.Add(reference());
        }
        return (Summarize(mine), Summarize(theirs));
    }

    private static Timing Summarize(List<double> seconds)
    {
        seconds.Sort();
        return new Timing(seconds[seconds.Count / 2], seconds[0], seconds[^1], seconds.Count);
    }

    /// <summary>A rate figure (units per second) from a timing: the median rate, min = units / slowest, max = units / fastest.</summary>
    public static BenchCommand.Figure Rate(string workload, string name, Timing t, double units, string unit) =>
        new(workload, name, units / t.Median, units / t.Max, units / t.Min, unit, t.Repetitions);

    /// <summary>A figure that is one derived number (a ratio, a share, a memory peak).</summary>
    public static BenchCommand.Figure Single(string workload, string name, double value, string unit, int repetitions = 1) =>
        new(workload, name, value, value, value, unit, repetitions);
}
