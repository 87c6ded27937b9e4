using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Repro.Tests.Study;

/// <summary>
/// The reference numbers of a tiny-smoke study (seed 1), written by `repro study --preset tiny-smoke --seeds 1
/// --no-cache` (reference/tiny-smoke-seed-1.json; first before the pipeline engine existed, recorded again when the
/// testbed's SFT data changed), and an exact comparison that names the first value that moved. Kernels round differently on other instruction sets and sampling amplifies it, so the comparison is
/// made only on the instruction set the reference was recorded on.
/// </summary>
public static class StudyReference
{
    public static readonly string ReferenceFile = Path.Combine(SharedData.RepoRoot, "tests", "Experiments", "Study", "reference", "tiny-smoke-seed-1.json");

    /// <summary>The x86 extensions the CPU kernels may use (what decides their rounding), with any cap set on them.</summary>
    public static string InstructionSet() => Reproduction.Runtime.TorchEnvironment.KernelIsaDescription() is var caps && caps != "native"
        ? $"{CpuExtensions()} capped by {caps}" : CpuExtensions();

    private static string CpuExtensions() => string.Join(" ", new (string Name, bool Has)[]
    {
        ("x64", System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64),
        ("avx", Avx.IsSupported), ("avx2", Avx2.IsSupported), ("fma", Fma.IsSupported), ("avx512f", Avx512F.IsSupported),
        ("avx512bw", Avx512BW.IsSupported), ("avx512vbmi", Avx512Vbmi.IsSupported),
    }.Where(x => x.Has).Select(x => x.Name));

    /// <summary>Checks a tiny-smoke study report (seed 1) against the reference; skips on another instruction set.</summary>
    public static void Check(Reproduction.Reporting.RunReport report)
    {
        Assert.True(File.Exists(ReferenceFile), $"missing {ReferenceFile}");
        var reference = JsonNode.Parse(File.ReadAllText(ReferenceFile))!.AsObject();
        var recordedOn = reference["instruction_set"]!.GetValue<string>();
        Assert.SkipWhen(recordedOn != InstructionSet(), $"the reference was recorded on [{recordedOn}], this machine has [{InstructionSet()}]");
        // One seed runs on every core; the thread count changes how kernels split their sums.
        int threads = reference["torch_threads"]!.GetValue<int>();
        Assert.SkipWhen(threads != Environment.ProcessorCount, $"the reference was recorded with {threads} torch threads, this machine has {Environment.ProcessorCount} cores");
        var pipelines = JsonNode.Parse(JsonSerializer.Serialize(report.Pipelines))!;
        Same(reference["pipelines"]!, pipelines, "pipelines");
        Same(reference["mechanisms"]!, report.Mechanisms!, "mechanisms");
    }

    /// <summary>Equal JSON, or a failure naming the first path whose value differs.</summary>
    private static void Same(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected)
        {
            case JsonObject o:
                var a = Assert.IsType<JsonObject>(actual, exactMatch: false);
                Assert.True(o.Select(kv => kv.Key).Order().SequenceEqual(a.Select(kv => kv.Key).Order()),
                    $"{path}: keys {string.Join(",", o.Select(kv => kv.Key))} expected, got {string.Join(",", a.Select(kv => kv.Key))}");
                foreach (var (key, value) in o) Same(value, a[key], $"{path}.{key}");
                break;
            case JsonArray arr:
                var b = Assert.IsType<JsonArray>(actual, exactMatch: false);
                Assert.True(arr.Count == b.Count, $"{path}: {arr.Count} items expected, got {b.Count}");
                for (int i = 0; i < arr.Count; i++) Same(arr[i], b[i], $"{path}[{i}]");
                break;
            default:
                string e = expected?.ToJsonString() ?? "null", g = actual?.ToJsonString() ?? "null";
                Assert.True(e == g, $"{path}: {e} expected, got {g}");
                break;
        }
    }
}
