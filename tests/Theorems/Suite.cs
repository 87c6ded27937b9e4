namespace Repro.Tests.Theorems;

/// <summary>Suite-wide settings of the property tests.</summary>
public static class Suite
{
    /// <summary>Generated cases per property (the brief asks for at least 200).</summary>
    public const int Cases = 200;
}
