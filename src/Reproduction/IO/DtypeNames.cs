using static TorchSharp.torch;

namespace Reproduction.IO;

/// <summary>The dtype names used by HF configs (`torch_dtype`), the CLI and safetensors headers, mapped to TorchSharp.</summary>
public static class DtypeNames
{
    /// <summary>The dtypes a model trains or evaluates in here, by their HF names.</summary>
    public static IReadOnlyList<string> TrainingNames { get; } = ["float32", "bfloat16", "float64"];

    /// <summary>"float32" | "bfloat16" | "float16" | "float64" (also "fp32", "bf16", "f32", …) to a ScalarType.</summary>
    public static ScalarType Parse(string name) => TryParse(name) ?? throw new ReproException(
        $"--dtype: unknown dtype \"{name}\"; accepted: float32, bfloat16, float16, float64 (or fp32, bf16, fp16, fp64)");

    /// <summary>
    /// A dtype to train or evaluate in: float32, bfloat16 or float64 (and their aliases). float16 is refused (no loss
    /// scaling here), as is any other name; the message names <paramref name="setting"/> and the accepted names.
    /// </summary>
    public static ScalarType ParseTraining(string name, string setting)
    {
        var t = TryParse(name);
        if (t is ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float64) return t.Value;
        var why = t is null ? $"unknown dtype \"{name}\"" : $"\"{name}\" is not trained here (float16 needs loss scaling, which the trainers do not have)";
        throw new ReproException($"{setting}: {why}; accepted: {string.Join(", ", TrainingNames)} (or fp32, bf16, fp64)");
    }

    public static ScalarType? TryParse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" or "float" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" or "f16" or "half" => ScalarType.Float16,
        "float64" or "fp64" or "f64" or "double" => ScalarType.Float64,
        _ => null,
    };

    public static bool IsKnownName(string name) => TryParse(name) is not null;

    /// <summary>HF's name for a dtype (config.json `torch_dtype`).</summary>
    public static string HfName(ScalarType t) => t switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        ScalarType.Float64 => "float64",
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "not a floating dtype used for weights"),
    };

    /// <summary>Safetensors dtype code ("F32", "BF16", "F16", "F64") to ScalarType; null for codes this reader does not load.</summary>
    public static ScalarType? FromSafetensors(string code) => code switch
    {
        "F32" => ScalarType.Float32,
        "BF16" => ScalarType.BFloat16,
        "F16" => ScalarType.Float16,
        "F64" => ScalarType.Float64,
        _ => null,
    };

    public static string ToSafetensors(ScalarType t) => t switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float16 => "F16",
        ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "dtype not supported by the safetensors writer"),
    };

    /// <summary>Bytes per element for a safetensors dtype code, including codes that are valid but not loadable here.</summary>
    public static int? SafetensorsElementSize(string code) => code switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => null,
    };
}
