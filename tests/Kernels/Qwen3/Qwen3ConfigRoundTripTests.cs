using System.Text.Json.Nodes;
using Reproduction;
using Reproduction.Qwen3;

namespace Repro.Tests.Qwen3;

/// <summary>A config written by this project reads back to the same values.</summary>
public sealed class Qwen3ConfigRoundTripTests
{
    [Fact]
    public void ToJson_reads_back_to_the_same_config()
    {
        var c = Qwen3Config.Load(Repro.Tests.SharedData.Require("golden", "qwen3-tiny", "f32-untied"));
        var back = Qwen3Config.Parse(c.ToJson());
        Assert.Equal(c.ToJson(), back.ToJson());
        Assert.False(back.TieWordEmbeddings);
        Assert.Equal(24, back.HeadDim);
        Assert.Equal(c with { Architectures = back.Architectures }, back);
    }
}
