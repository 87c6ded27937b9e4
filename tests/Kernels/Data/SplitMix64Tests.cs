using Reproduction.Data;

namespace Repro.Tests.Data;

/// <summary>The hand-written PRNG behind every generated data set: its sequence is pinned, so seeds mean the same thing everywhere.</summary>
public sealed class SplitMix64Tests
{
    [Fact]
    public void Seed_1234567_gives_the_published_reference_sequence()
    {
        // Reference values of SplitMix64 (Rosetta Code "Pseudo-random numbers/Splitmix64").
        var rng = new SplitMix64(1234567);
        Assert.Equal(
            [6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL, 4593380528125082431UL, 16408922859458223821UL],
            Enumerable.Range(0, 5).Select(_ => rng.NextUInt64()));
    }

    [Fact]
    public void Bounded_draws_stay_in_range_and_cover_it()
    {
        var rng = new SplitMix64(7);
        var counts = new int[5];
        for (int i = 0; i < 5000; i++) counts[rng.NextInt(5)]++;
        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
        for (int i = 0; i < 1000; i++) Assert.InRange(rng.NextDouble(), 0.0, 0.9999999999999999);
    }

    [Fact]
    public void Shuffle_is_a_permutation()
    {
        var items = Enumerable.Range(0, 50).ToArray();
        new SplitMix64(3).Shuffle(items);
        Assert.NotEqual(Enumerable.Range(0, 50), items);
        Assert.Equal(Enumerable.Range(0, 50), items.Order());
    }
}
