using Repro.Tests.IO;
using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Qwen3;

/// <summary>A fresh model follows transformers' init, is reproducible from its seed, and survives a save/load round trip.</summary>
public sealed class Qwen3InitializeTests
{
    private static readonly Qwen3Config Tiny = new()
    {
        VocabSize = 300, HiddenSize = 32, IntermediateSize = 48, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 12, TieWordEmbeddings = true, PadTokenId = 299,
        MaxPositionEmbeddings = 64, RopeTheta = 10000,
    };

    [Fact]
    public void Same_seed_same_weights_and_hf_init_statistics()
    {
        using var a = Qwen3ForCausalLM.Initialize(Tiny, seed: 1);
        using var b = Qwen3ForCausalLM.Initialize(Tiny, seed: 1);
        using var c = Qwen3ForCausalLM.Initialize(Tiny, seed: 2);
        var wa = a.NamedWeights();
        var wb = b.NamedWeights();
        Assert.Equal(Tiny.ParameterShapes().Select(p => p.Name).Order(), wa.Select(w => w.Name).Order());
        for (int i = 0; i < wa.Count; i++) Assert.True(wa[i].Tensor.bytes.SequenceEqual(wb[i].Tensor.bytes), wa[i].Name);
        Assert.False(wa[0].Tensor.bytes.SequenceEqual(c.NamedWeights()[0].Tensor.bytes));

        using var scope = torch.NewDisposeScope();
        var embed = a.Model.EmbedTokens.Weight;
        Assert.Equal(0f, embed[299].abs().sum().item<float>());                  // padding row zeroed
        Assert.InRange(embed.std().item<float>(), 0.018f, 0.022f);              // initializer_range 0.02
        Assert.True(wa.Where(w => w.Name.Contains("norm")).All(w => w.Tensor.eq(1).all().item<bool>()));
        Assert.Same(a.Model.EmbedTokens.Weight, a.LmHeadWeight);                  // tied: one tensor
    }

    [Fact]
    public void A_saved_fresh_model_reloads_with_identical_logits()
    {
        using var model = Qwen3ForCausalLM.Initialize(Tiny with { TieWordEmbeddings = false }, seed: 3);
        using var tmp = new TempFolder();
        var dir = Path.Combine(tmp.Path, "m");
        model.SavePretrained(dir);
        using var back = Qwen3ForCausalLM.FromPretrained(dir);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var ids = torch.tensor(new long[] { 1, 5, 9, 200, 17 }, [1, 5]);
        Assert.True(model.Forward(ids).Logits!.eq(back.Forward(ids).Logits!).all().item<bool>());
    }
}
