namespace Repro.Tests;

/// <summary>
/// Tests that need CUDA carry [Trait("Category", "GPU")] and call <see cref="Require"/> first. On a machine without a CUDA
/// device they are skipped with that reason (never deleted), so the CPU run reports them; where
/// <see cref="ExpectVariable"/>=1 says a GPU is expected (the GPU workflow), a missing device is a failure instead.
/// </summary>
public static class Gpu
{
    public const string Category = "GPU";

    /// <summary>Set to 1 where a CUDA device must be present (.github/workflows/gpu.yml).</summary>
    public const string ExpectVariable = "REPRO_EXPECT_GPU";

    public static void Require()
    {
        string? missing;
        try { missing = TorchSharp.torch.cuda_is_available() ? null : "no CUDA device on this machine (build with -p:TorchBackend=cuda on a GPU runner)"; }
        catch (Exception e) { missing = $"torch could not query CUDA ({e.GetBaseException().Message})"; }
        if (missing is null) return;
        if (Environment.GetEnvironmentVariable(ExpectVariable) == "1") Assert.Fail($"GPU test: {missing}, but {ExpectVariable}=1 says a GPU is expected here");
        Assert.Skip($"GPU test: {missing}");
    }
}
