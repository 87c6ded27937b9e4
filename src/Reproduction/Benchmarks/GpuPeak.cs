using static TorchSharp.torch;

namespace Reproduction.Benchmarks;

/// <summary>
/// Nominal dense (no sparsity) peak TFLOP/s of common NVIDIA data-centre GPUs, for MFU against the hardware's peak on a
/// CUDA machine (MFU against the measured torch.mm rate is always reported too). Matched by a substring of the
/// nvidia-smi name; an unknown GPU gets no nominal figure rather than a guessed one. bfloat16 = tensor-core dense rate;
/// float32 = the non-tensor-core FP32 rate (TF32 is off by default in libtorch matmuls).
/// </summary>
public static class GpuPeak
{
    public const string Source = "NVIDIA data sheets, dense rates: H100/H200 SXM bf16 989, f32 67; A100 bf16 312, f32 19.5; L40S bf16 362, f32 91.6; L4 bf16 121, f32 30.3; A10 bf16 125, f32 31.2";

    private static readonly (string Name, double Bf16, double F32)[] Known =
    [
        ("H200", 989, 67), ("H100", 989, 67), ("A100", 312, 19.5), ("L40S", 362, 91.6), ("L4", 121, 30.3), ("A10", 125, 31.2),
    ];

    /// <summary>The nominal peak for `dtype` of the first GPU named in `deviceNames` (nvidia-smi), or null when unknown.</summary>
    public static double? Tflops(string? deviceNames, ScalarType dtype)
    {
        if (string.IsNullOrWhiteSpace(deviceNames)) return null;
        var first = deviceNames.Split(';')[0];
        foreach (var (name, bf16, f32) in Known)
            if (first.Contains(name, StringComparison.OrdinalIgnoreCase))
                return dtype == ScalarType.BFloat16 ? bf16 : dtype == ScalarType.Float32 ? f32 : null;
        return null;
    }
}
