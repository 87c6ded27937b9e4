using System.CommandLine;
using Reproduction.Runtime;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Cli;

/// <summary>`repro doctor`: is torch usable here? Versions, the GLIBCXX patch, CUDA, threads, and one autograd step.</summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var cmd = new Command("doctor", "Check that TorchSharp/libtorch load and work on this machine (exit 0 only if they do)");
        cmd.SetAction(_ => Run());
        return cmd;
    }

    public static int Run()
    {
        var table = new Table().AddColumn("check").AddColumn("value");
        TorchEnvironment env;
        try
        {
            env = TorchEnvironment.Capture();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException)
        {
            Console.Error.WriteLine($"repro doctor: libtorch failed to load: {e.GetBaseException().Message}");
            Console.Error.WriteLine($"  GLIBCXX patch: {TorchEnvironment.DescribePatch(TorchEnvironment.FindNativeLibrary())}");
            return 1;
        }
        table.AddRow(".NET", Markup.Escape(env.DotnetVersion));
        table.AddRow("OS", Markup.Escape(env.Os));
        table.AddRow("TorchSharp", Markup.Escape(env.TorchSharpVersion));
        table.AddRow("libtorch", Markup.Escape(env.LibTorchVersion));
        table.AddRow("native library", Markup.Escape(env.NativeLibraryPath ?? "(not found)"));
        table.AddRow("GLIBCXX_3.4.32 patch", Markup.Escape(env.GlibcxxPatch));
        table.AddRow("CUDA", env.CudaAvailable ? Markup.Escape($"available, {env.CudaDeviceCount} device(s): {env.CudaDeviceName ?? "name unknown (no nvidia-smi)"}") : "not available");
        table.AddRow("threads", $"{env.Threads} torch threads, {env.ProcessorCount} processors");
        table.AddRow("CPU", Markup.Escape(env.Cpu));
        table.AddRow("kernel instruction set", Markup.Escape(env.KernelIsa));

        bool ok = true;
        foreach (var device in env.CudaAvailable ? [torch.CPU, torch.CUDA] : new[] { torch.CPU })
        {
            var (stepOk, detail) = SmokeStep(device);
            ok &= stepOk;
            table.AddRow($"matmul + autograd ({device.type.ToString().ToLowerInvariant()})", stepOk ? $"[green]ok[/] ({Markup.Escape(detail)})" : $"[red]FAILED[/] ({Markup.Escape(detail)})");
        }
        ReproCli.Out.Write(table);
        return ok ? 0 : 1;
    }

    /// <summary>
    /// One tiny matmul and backward pass on <paramref name="device"/> (default CPU) whose gradient is known in closed form:
    /// d/dA sum(A·B) = 1·Bᵀ.
    /// </summary>
    public static (bool Ok, string Detail) SmokeStep(Device? device = null)
    {
        try
        {
            using var scope = torch.NewDisposeScope();
            var a = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2], device: device).requires_grad_(true);
            var b = torch.tensor(new float[] { 5, 6, 7, 8 }, [2, 2], device: device);
            var y = torch.matmul(a, b).sum();
            y.backward();
            float value = y.cpu().item<float>();
            var grad = a.grad!.cpu().data<float>().ToArray();
            // sum(A·B) = 1·5+2·7 + 1·6+2·8 + 3·5+4·7 + 3·6+4·8 = 134; grad[i,k] = sum_j B[k,j] = (11, 15, 11, 15).
            bool ok = value == 134f && grad.SequenceEqual(new float[] { 11, 15, 11, 15 });
            return (ok, $"sum(A·B) = {value}, grad = [{string.Join(", ", grad)}]");
        }
        catch (Exception e)
        {
            return (false, e.GetBaseException().Message);
        }
    }
}
