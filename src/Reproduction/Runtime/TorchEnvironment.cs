using System.Reflection;
using System.Runtime.InteropServices;
using Reproduction.ElfPatch;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Runtime;

/// <summary>What `repro doctor` and every run report record about the machine and the torch runtime.</summary>
public sealed record TorchEnvironment(
    string DotnetVersion,
    string Os,
    string TorchSharpVersion,
    string LibTorchVersion,
    string TorchBackend,
    string? NativeLibraryPath,
    string GlibcxxPatch,
    bool CudaAvailable,
    int CudaDeviceCount,
    string? CudaDeviceName,
    int Threads,
    int ProcessorCount,
    string Cpu,
    string KernelIsa)
{
    /// <summary>
    /// The environment variables that cap the instruction set libtorch's kernels use (ATen's dispatch, MKL, oneDNN).
    /// Kernels round differently per instruction set, so a run records them; setting them on one machine reproduces
    /// the rounding of a CPU without those extensions (AVX2 only, like an AMD EPYC before Zen 4).
    /// </summary>
    public static readonly string[] KernelIsaVariables = ["ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS", "DNNL_MAX_CPU_ISA"];

    /// <summary>Reads the environment; loads libtorch (throws when it cannot be loaded).</summary>
    public static TorchEnvironment Capture()
    {
        bool cuda = cuda_is_available();
        var native = FindNativeLibrary();
        return new TorchEnvironment(
            DotnetVersion: RuntimeInformation.FrameworkDescription,
            Os: RuntimeInformation.OSDescription,
            TorchSharpVersion: typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
                               ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown",
            LibTorchVersion: LibTorchVersionFromPackage(),
            TorchBackend: cuda ? "cuda" : "cpu",
            NativeLibraryPath: native,
            GlibcxxPatch: DescribePatch(native),
            CudaAvailable: cuda,
            CudaDeviceCount: cuda ? (int)torch.cuda.device_count() : 0,
            CudaDeviceName: cuda ? CudaDeviceNames() : null,
            Threads: torch.get_num_threads(),
            ProcessorCount: Environment.ProcessorCount,
            Cpu: CpuModel(),
            KernelIsa: KernelIsaDescription());
    }

    /// <summary>The CPU's model name (/proc/cpuinfo on Linux), else the process architecture.</summary>
    public static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is var colon and >= 0)
                        return line[(colon + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>"native" when no variable caps the kernels' instruction set, else the caps as NAME=value (read from the process environment unless a lookup is given).</summary>
    public static string KernelIsaDescription(Func<string, string?>? lookup = null)
    {
        lookup ??= Environment.GetEnvironmentVariable;
        var caps = KernelIsaVariables.Select(v => (v, Value: lookup(v)))
            .Where(x => !string.IsNullOrEmpty(x.Value)).Select(x => $"{x.v}={x.Value}").ToArray();
        return caps.Length == 0 ? "native" : string.Join(" ", caps);
    }

    /// <summary>GPU names from nvidia-smi (TorchSharp has no get_device_name); null when it is not installed.</summary>
    public static string? CudaDeviceNames()
    {
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("nvidia-smi", "--query-gpu=name --format=csv,noheader")
                { RedirectStandardOutput = true, RedirectStandardError = true });
            if (p is null) return null;
            var names = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(5000);
            return p.ExitCode == 0 && names.Length > 0 ? string.Join("; ", names.Split('\n', StringSplitOptions.TrimEntries)) : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException) { return null; }
    }

    /// <summary>The copy of libLibTorchSharp.so this process loads from its output folder.</summary>
    public static string? FindNativeLibrary()
    {
        var baseDir = AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(baseDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", GlibcxxWeakener.TargetLibraryName),
            Path.Combine(baseDir, "runtimes", "linux-x64", "native", GlibcxxWeakener.TargetLibraryName),
            Path.Combine(baseDir, GlibcxxWeakener.TargetLibraryName),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>"applied", "not needed (…)" or "missing (…)": the state of the Debian 12 GLIBCXX fix.</summary>
    public static string DescribePatch(string? nativeLibrary)
    {
        if (!OperatingSystem.IsLinux()) return "not needed (not Linux)";
        if (nativeLibrary is null) return "unknown (libLibTorchSharp.so not found next to the program)";
        var sys = GlibcxxWeakener.FindSystemLibStdCxx();
        bool systemHas = sys is not null && GlibcxxWeakener.Defines(sys, GlibcxxWeakener.RequiredVersion);
        bool weak = GlibcxxWeakener.IsWeakened(nativeLibrary);
        return (systemHas, weak) switch
        {
            (true, false) => $"not needed ({sys} defines {GlibcxxWeakener.RequiredVersion})",
            (true, true) => $"applied (although {sys} defines {GlibcxxWeakener.RequiredVersion})",
            (false, true) => $"applied ({sys ?? "system libstdc++"} lacks {GlibcxxWeakener.RequiredVersion})",
            (false, false) => $"missing: {sys ?? "system libstdc++"} lacks {GlibcxxWeakener.RequiredVersion} and {nativeLibrary} is unpatched",
        };
    }

    private static string LibTorchVersionFromPackage()
    {
        // TorchSharp exposes no libtorch version call; the runtime package's assembly metadata names it.
        foreach (var asm in AppDomain.CurrentDomain.GetAssemblies())
        {
            var name = asm.GetName().Name ?? "";
            if (name.StartsWith("TorchSharp", StringComparison.Ordinal))
                foreach (var a in asm.GetCustomAttributes<AssemblyMetadataAttribute>())
                    if (a.Key.Contains("LibTorch", StringComparison.OrdinalIgnoreCase)) return a.Value ?? "unknown";
        }
        return KnownLibTorch;
    }

    /// <summary>TorchSharp 0.107.0 is built against libtorch 2.10.0 (its package notes).</summary>
    public const string KnownLibTorch = "2.10.0 (per TorchSharp 0.107.0 package)";
}
