using Reproduction.Qwen3;
using Reproduction.Sft;
using static TorchSharp.torch;

namespace Repro.Tests.Sft;

/// <summary>
/// A toy prompt → completion task a one-layer Qwen3 learns in a few dozen steps: prompt [BOS, 4+a, 4+b]
/// (a, b &lt; 6), completion [16 + (a + b) mod 6, EOS] or, for odd a, a longer [16 + a, 16 + b, EOS] so that
/// completions differ in length (what makes per-batch means differ from the token mean).
/// </summary>
public static class ToyTask
{
    public const long Bos = 1, Eos = 2, Pad = 0;

    public static Qwen3Config Config(int vocab = 32) => new()
    {
        VocabSize = vocab, HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 1,
        NumAttentionHeads = 2, NumKeyValueHeads = 1, HeadDim = 16, TieWordEmbeddings = true,
        BosTokenId = Bos, EosTokenId = Eos, MaxPositionEmbeddings = 64,
    };

    public static List<SftExample> Examples()
    {
        var list = new List<SftExample>();
        for (int a = 0; a < 6; a++)
            for (int b = 0; b < 6; b++)
                list.Add(new SftExample([Bos, 4 + a, 4 + b], a % 2 == 0 ? [16 + (a + b) % 6, Eos] : [16 + a, 16 + b, Eos]));
        return list;
    }

    public static Qwen3ForCausalLM Model(long seed = 5, ScalarType dtype = ScalarType.Float32) => Qwen3ForCausalLM.Initialize(Config(), (ulong)seed, dtype);
}
