namespace Reproduction.Experiments.Pipelines;

/// <summary>What a stage did: its optimizer steps (the global step advances by them) and counts it reports (completions, demonstrations).</summary>
public sealed record StageResult(int Steps, IReadOnlyDictionary<string, double>? Values = null)
{
    public double Value(string name) => Values is not null && Values.TryGetValue(name, out var v) ? v : 0;
}
