using System.Globalization;
using System.Text.Json.Nodes;
using Reproduction.Reporting;

namespace Reproduction.Experiments;

/// <summary>
/// The change of a mean between two checkpoints measured on the same items (the test prompts, the SFT test examples),
/// with a two-sided 95% Student-t interval of the mean per-item difference (N − 1 degrees of freedom): one seed's own
/// evidence that a coupling moved its metric, beyond the noise of evaluating on N items.
/// </summary>
public sealed record PairedChange(double Change, double Low, double High)
{
    /// <param name="before">The items' values at the first checkpoint (their mean is the metric there).</param>
    /// <param name="after">The same items' values at the second, in the same order.</param>
    public static PairedChange Of(IReadOnlyList<double> before, IReadOnlyList<double> after)
    {
        if (before.Count != after.Count) throw new ArgumentException($"{before.Count} items before, {after.Count} after: a paired change needs the same items");
        if (before.Count < 2) throw new ArgumentException($"{before.Count} item(s): a paired interval needs at least 2");
        var d = before.Zip(after, (b, a) => a - b).ToArray();
        var s = CurveStatistics.Of(d);
        return new PairedChange(s.Mean, s.Low, s.High);
    }

    /// <summary>True when the interval lies wholly on the predicted side of zero.</summary>
    public bool Excludes0Towards(bool increase) => increase ? Low > 0 : High < 0;

    /// <summary>The interval as report.json keeps it: [low, high].</summary>
    public JsonArray IntervalJson() => new(Low, High);

    /// <summary>A change with the interval report.json kept for it; null when <paramref name="interval"/> is not a [low, high] pair of numbers (a run written before intervals were recorded).</summary>
    public static PairedChange? Read(double change, JsonNode? interval) =>
        interval is JsonArray { Count: 2 } ci && ci[0] is JsonValue lo && ci[1] is JsonValue hi && lo.TryGetValue<double>(out var low) && hi.TryGetValue<double>(out var high)
            ? new PairedChange(change, low, high) : null;

    /// <summary>A recorded change as the report shows it: with the interval report.json kept for it, else signed alone.</summary>
    public static string Shown(double change, JsonNode? interval) =>
        Read(change, interval)?.ToString() ?? change.ToString("+0.000;-0.000", CultureInfo.InvariantCulture);

    /// <summary>"+0.033 [+0.019, +0.048]": the change and its interval, signed.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Change:+0.000;-0.000} [{Low:+0.000;-0.000}, {High:+0.000;-0.000}]");
}
