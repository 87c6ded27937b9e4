namespace Repro.Tests.Reliability;

/// <summary>
/// The tiny-smoke preset's base model, built once per test process and saved as a model folder, so the child
/// processes start from `--preset tiny-smoke --model BASE` (the preset gives data and options, the folder the
/// weights) instead of pre-training the base again at every start. It is built by a child too (one SFT step at
/// learning rate 0 leaves the weights as they are; its `final/` is the base), so the test process's own libtorch
/// thread pool never runs it under the contention of a shared machine.
/// </summary>
public static class TinySmokeBase
{
    private static readonly Lazy<string> Folder = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Path => Folder.Value;

    private static string Build()
    {
        var root = Directory.CreateTempSubdirectory("repro-tiny-smoke-base-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(root, true); } catch (IOException) { } };
        var run = System.IO.Path.Combine(root, "run");
        var (code, output) = ReproChild.Run("sft", "--preset", "tiny-smoke", "--data", "synthetic", "--out", run, "--max-steps", "1", "--lr", "0");
        if (code != 0) throw new InvalidOperationException($"building the tiny-smoke base failed: {output}");
        return System.IO.Path.Combine(run, "final");
    }
}
