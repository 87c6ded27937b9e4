using Reproduction.Cli;
using Reproduction.Runtime;

namespace Repro.Tests.Runtime;

/// <summary>`repro doctor` is the first thing a user runs: torch must load and compute here.</summary>
public sealed class DoctorTests
{
    [Fact]
    public void The_smoke_step_computes_the_known_matmul_value_and_gradient()
    {
        var (ok, detail) = DoctorCommand.SmokeStep();
        Assert.True(ok, detail);
    }

    [Fact]
    public void Doctor_exits_0_and_reports_the_patch_state_on_this_machine()
    {
        Assert.Equal(0, DoctorCommand.Run());
        var env = TorchEnvironment.Capture();
        Assert.Equal("0.107.0", env.TorchSharpVersion);
        Assert.True(env.Threads >= 1);
        if (OperatingSystem.IsLinux())
            Assert.Matches("^(applied|not needed)", env.GlibcxxPatch);
    }

    [Fact]
    public void The_run_environment_names_the_CPU_and_every_cap_set_on_the_kernels_instruction_set()
    {
        Assert.False(string.IsNullOrWhiteSpace(TorchEnvironment.Capture().Cpu));
        Assert.Equal("native", TorchEnvironment.KernelIsaDescription(_ => null));
        var caps = new Dictionary<string, string> { ["ATEN_CPU_CAPABILITY"] = "avx2", ["DNNL_MAX_CPU_ISA"] = "AVX2", ["OMP_NUM_THREADS"] = "1" };
        Assert.Equal("ATEN_CPU_CAPABILITY=avx2 DNNL_MAX_CPU_ISA=AVX2", TorchEnvironment.KernelIsaDescription(v => caps.GetValueOrDefault(v)));
    }

    [Fact]
    [Trait("Category", Gpu.Category)]
    public void On_a_GPU_runner_the_smoke_step_computes_the_known_value_and_gradient_on_the_CUDA_device_and_doctor_exits_0()
    {
        Gpu.Require();
        var (ok, detail) = DoctorCommand.SmokeStep(TorchSharp.torch.CUDA);
        Assert.True(ok, detail);
        Assert.Equal(0, DoctorCommand.Run());
    }
}
