namespace Reproduction.Training;

/// <summary>
/// The order in which a trainer visits its examples: a fresh Fisher–Yates shuffle per epoch, drawn from
/// SplitMix64 seeded with (seed, epoch). Being a pure function of (seed, epoch, count), a resumed run needs
/// only its epoch and position to continue in exactly the same order, and the order is the same on every
/// .NET version and machine (System.Random's seeded sequence carries no such promise).
/// </summary>
public static class DataOrder
{
    public static int[] Permutation(long seed, int epoch, int count)
    {
        var order = Enumerable.Range(0, count).ToArray();
        ulong state = Seeds.DataOrder(seed, epoch);
        for (int i = count - 1; i > 0; i--)
        {
            int j = (int)(Next(ref state) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014).</summary>
    private static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
