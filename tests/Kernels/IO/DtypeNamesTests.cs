using Reproduction;
using Reproduction.IO;
using static TorchSharp.torch;

namespace Repro.Tests.IO;

/// <summary>A dtype name to train or evaluate in is honoured, or refused with a message naming the setting and the accepted names.</summary>
public sealed class DtypeNamesTests
{
    [Theory]
    [InlineData("float32", ScalarType.Float32)]
    [InlineData("fp32", ScalarType.Float32)]
    [InlineData("bfloat16", ScalarType.BFloat16)]
    [InlineData("bf16", ScalarType.BFloat16)]
    [InlineData(" BFloat16 ", ScalarType.BFloat16)]
    [InlineData("float64", ScalarType.Float64)]
    public void Training_dtypes_and_their_aliases_are_honoured(string name, ScalarType expected) =>
        Assert.Equal(expected, DtypeNames.ParseTraining(name, "--dtype"));

    [Theory]
    [InlineData("float16", "\"float16\" is not trained here (float16 needs loss scaling")]
    [InlineData("fp16", "\"fp16\" is not trained here")]
    [InlineData("bfloat61", "unknown dtype \"bfloat61\"")]
    [InlineData("", "unknown dtype \"\"")]
    public void Other_names_are_refused_naming_the_setting_and_the_accepted_names(string name, string why)
    {
        var e = Assert.Throws<ReproException>(() => DtypeNames.ParseTraining(name, "preset x: model.dtype"));
        Assert.StartsWith("preset x: model.dtype: ", e.Message);
        Assert.Contains(why, e.Message);
        Assert.EndsWith("accepted: float32, bfloat16, float64 (or fp32, bf16, fp64)", e.Message);
    }

    [Fact]
    public void A_file_format_dtype_may_be_float16_and_an_unknown_one_names_the_accepted()
    {
        Assert.Equal(ScalarType.Float16, DtypeNames.Parse("float16"));
        var e = Assert.Throws<ReproException>(() => DtypeNames.Parse("f8"));
        Assert.Contains("accepted: float32, bfloat16, float16, float64", e.Message);
    }
}
