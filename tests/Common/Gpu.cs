namespace Repro.Tests;

/// <summary>
/// Tests that need CUDA carry [Trait("Category", "GPU")] and call <see cref="Require"/> first: on a machine
/// without a CUDA device they are skipped with that reason (never deleted), so the CPU run reports them.
/// </summary>
public static class Gpu
{
    public const string Category = "GPU";

    public static void Require()
    {
        bool available;
        try { available = TorchSharp.torch.cuda_is_available(); }
        catch (Exception e) { available = false; Assert.Skip($"GPU test: torch could not query CUDA ({e.GetBaseException().Message})"); }
        if (!available) Assert.Skip("GPU test: no CUDA device on this machine (build with -p:TorchBackend=cuda on a GPU runner)");
    }
}
