namespace Reproduction.Data;

/// <summary>A malformed row that lenient loading skipped: the file, the 1-based line and the reason.</summary>
public sealed record ColaRowError(string Path, int Line, string Reason)
{
    public override string ToString() => $"{Path}:{Line}: {Reason}";
}
