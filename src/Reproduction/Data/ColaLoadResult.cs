namespace Reproduction.Data;

/// <summary>The rows of one file, and (lenient loading only) the malformed rows that were skipped.</summary>
public sealed record ColaLoadResult(string Path, IReadOnlyList<ColaExample> Examples, IReadOnlyList<ColaRowError> Skipped)
{
    public int SkippedCount => Skipped.Count;
}
