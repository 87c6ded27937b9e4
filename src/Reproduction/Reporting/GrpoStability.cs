using ScottPlot;

namespace Reproduction.Reporting;

/// <summary>
/// Whether a GRPO run stayed stable after it learnt: the training reward's 20-step rolling mean never falls more than
/// <see cref="MaxFall"/> below its peak after the peak, and fewer than <see cref="MaxClippedRatio"/> of completions hit the
/// length cap. The figure shows the reward, the policy entropy, frac_reward_zero_std (the share of groups with no
/// signal) and the clipped-completion ratio along the run.
/// </summary>
public sealed record GrpoStability(double Peak, int PeakStep, double LowestAfterPeak, double ClippedRatio, bool Stable)
{
    public const int Window = 20;
    public const double MaxFall = 0.15, MaxClippedRatio = 0.05;
    public const string Figure = "grpo-stability.png";

    public static GrpoStability Of(IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Metrics)> steps)
    {
        if (steps.Count < Window) throw new ReproException($"GRPO stability: needs at least {Window} steps, got {steps.Count}");
        var reward = steps.Select(s => s.Metrics["reward"]).ToArray();
        var rolling = Enumerable.Range(0, reward.Length - Window + 1).Select(i => reward.Skip(i).Take(Window).Average()).ToArray();
        int peakAt = Array.IndexOf(rolling, rolling.Max());
        double lowest = rolling.Skip(peakAt).Min();
        double clipped = steps.Average(s => s.Metrics.GetValueOrDefault("completions/clipped_ratio"));
        return new GrpoStability(rolling[peakAt], steps[peakAt + Window - 1].Step, lowest, clipped, rolling[peakAt] - lowest <= MaxFall && clipped < MaxClippedRatio);
    }

    public override string ToString() =>
        $"{(Stable ? "stable" : "NOT stable")}: {Window}-step reward peak {Peak:F3} (at step {PeakStep}), lowest after it {LowestAfterPeak:F3} " +
        $"(fall {Peak - LowestAfterPeak:F3}, limit {MaxFall}); completions at the length cap {ClippedRatio:P1} (limit {MaxClippedRatio:P0})";

    public static void Plot(IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Metrics)> steps, string title, string path)
    {
        var plot = new Plot();
        var x = steps.Select(s => (double)s.Step).ToArray();
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var (key, label) in new[] { ("reward", "training reward"), ("entropy", "policy entropy (nats)"), ("frac_reward_zero_std", "frac_reward_zero_std"), ("completions/clipped_ratio", "completions at the length cap") })
        {
            if (!steps.All(s => s.Metrics.ContainsKey(key))) continue;
            var line = plot.Add.ScatterLine(x, steps.Select(s => s.Metrics[key]).ToArray(), palette.GetColor(i++));
            line.LegendText = label;
        }
        Reporting.FigureFile.Finish(plot, title, "GRPO step", "value", path);
    }
}
