namespace Reproduction.Data;

/// <summary>A generated train/test pair; every sentence occurs once across both splits.</summary>
public sealed record SyntheticColaDataset(SyntheticColaOptions Options, IReadOnlyList<SyntheticColaExample> Train, IReadOnlyList<SyntheticColaExample> Test)
{
    public IReadOnlyList<ColaExample> TrainExamples => Train.Select(e => e.Example).ToArray();
    public IReadOnlyList<ColaExample> TestExamples => Test.Select(e => e.Example).ToArray();
}
