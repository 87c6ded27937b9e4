using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Qwen3;

/// <summary>Differences between an actual and an expected tensor over valid positions.</summary>
public static class Diff
{
    /// <summary>
    /// (max, mean) |actual - expected| in float64. `valid` [B, L] (0/1) masks the leading two axes of [B, L, …]
    /// tensors; null compares everything. NaNs in `expected` (undefined positions) are excluded.
    /// </summary>
    public static (double Max, double Mean) Abs(Tensor actual, Tensor expected, Tensor? valid = null)
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(expected.shape, actual.shape);
        var d = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs();
        var keep = expected.isnan().logical_not();
        if (valid is not null)
        {
            var m = valid.ne(0);
            while (m.dim() < d.dim()) m = m.unsqueeze(-1);
            keep = keep.logical_and(m.expand_as(d));
        }
        var sel = d.masked_select(keep);
        Assert.True(sel.numel() > 0, "no valid positions to compare");
        return (sel.max().item<double>(), sel.mean().item<double>());
    }

    /// <summary>
    /// How many units in the last place of <paramref name="dtype"/> (bfloat16, float32 or float64) lie between two values
    /// representable in it: 0 when they are equal, 1 for neighbours.
    /// </summary>
    public static long Ulps(double a, double b, ScalarType dtype)
    {
        long Key(double v) => dtype switch
        {
            ScalarType.BFloat16 => Ordered((uint)BitConverter.SingleToInt32Bits((float)v) >> 16, 15),
            ScalarType.Float32 => Ordered((uint)BitConverter.SingleToInt32Bits((float)v), 31),
            ScalarType.Float64 => Ordered((ulong)BitConverter.DoubleToInt64Bits(v), 63),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "bfloat16, float32 or float64"),
        };
        // Sign-magnitude bit patterns, mapped to integers in the order of the values they encode.
        static long Ordered(ulong bits, int signBit) => (bits >> signBit) != 0 ? -(long)(bits & ((1UL << signBit) - 1)) : (long)bits;
        return Math.Abs(Key(a) - Key(b));
    }

    /// <summary>This machine's instruction set as the kernels see it, for messages about rounding (with any cap set on the kernels' instruction set).</summary>
    public static string InstructionSet()
    {
        var isa = System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "AVX-512"
            : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "AVX2"
            : System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? "NEON" : "no vector extension .NET knows";
        var caps = Reproduction.Runtime.TorchEnvironment.KernelIsaDescription();
        return $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture} {isa}" + (caps == "native" ? "" : $", {caps}");
    }
}
