namespace Reproduction.Data;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014; the seeding generator of xoshiro): a tiny hand-written PRNG whose
/// sequence for a seed is fixed by its arithmetic alone, so data generated from a seed is the same on every .NET
/// version and platform (System.Random's seeded sequence carries no such guarantee). Not for cryptography.
/// Mutable by nature: one instance per stream, created from an explicit seed.
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>An integer in [0, n) by the multiply-high method (bias below 2^-32 for the small n used here).</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        return (int)(((UInt128)NextUInt64() * (ulong)n) >> 64);
    }

    /// <summary>A double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public bool NextBool(double probability) => NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[NextInt(items.Count)];

    /// <summary>Fisher–Yates, in place.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
