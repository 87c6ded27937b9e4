using System.Text.Json.Nodes;

namespace Reproduction.Grpo;

/// <summary>One GRPO step's metrics under the names TRL/verl users know (one line of metrics.jsonl).</summary>
public sealed record GrpoStepMetrics(long Step, double Epoch, IReadOnlyDictionary<string, double> Values)
{
    public double this[string key] => Values[key];

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["step"] = Step, ["epoch"] = Math.Round(Epoch, 6) };
        foreach (var (k, v) in Values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (double.IsFinite(v)) o[k] = v;
        return o;
    }
}
