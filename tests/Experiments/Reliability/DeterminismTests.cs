namespace Repro.Tests.Reliability;

/// <summary>
/// Same seed, same bits on CPU: two `repro sft --preset tiny-smoke` processes (each loading the shipped base of the
/// seed, then 6 SFT steps) write the same metrics (less wall-clock fields) and byte-identical weights and optimizer
/// moments; a different seed (another base, another data order) does not. `repro pretrain`'s own bit-identity is
/// PretrainTests'.
/// </summary>
public sealed class DeterminismTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-determinism-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private string Run(string name, int seed)
    {
        var dir = Path.Combine(_dir, name);
        var (code, output) = ReproChild.Run("sft", "--preset", "tiny-smoke", "--data", "synthetic", "--out", dir, "--max-steps", "6", "--save-steps", "3", "--seed", seed.ToString());
        Assert.True(code == 0, output);
        return dir;
    }

    [Fact]
    public void Two_sft_runs_with_the_same_seed_are_bitwise_identical_on_cpu()
    {
        var (a, b, c) = (Run("a", 1), Run("b", 1), Run("c", 2));
        Assert.Equal(RunFolder.MetricsWithoutTiming(a), RunFolder.MetricsWithoutTiming(b));
        foreach (var (step, cp) in RunFolder.Checkpoints(a))
        {
            var other = Path.Combine(b, Path.GetFileName(cp));
            Assert.True(RunFolder.Weights(cp).AsSpan().SequenceEqual(RunFolder.Weights(other)), $"checkpoint-{step} weights differ");
            Assert.True(File.ReadAllBytes(Path.Combine(cp, "optimizer.safetensors")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(other, "optimizer.safetensors"))), $"checkpoint-{step} moments differ");
        }
        Assert.Equal(2, RunFolder.Checkpoints(a).Count);
        Assert.True(File.ReadAllBytes(Path.Combine(a, "final", "model.safetensors")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, "final", "model.safetensors"))));
        // The comparison can see a difference: another seed changes the weights.
        Assert.False(RunFolder.Weights(Path.Combine(a, "checkpoint-6")).AsSpan().SequenceEqual(RunFolder.Weights(Path.Combine(c, "checkpoint-6"))));
    }
}
