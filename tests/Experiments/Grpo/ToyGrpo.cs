using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Rewards;
using Repro.Tests.Sft;
using static TorchSharp.torch;

namespace Repro.Tests.Grpo;

/// <summary>
/// A GRPO setting small enough to run a step in milliseconds whose batches still differ in every way a loss can see:
/// prompts of two and three tokens, completions of different lengths (tokens 2–9 all end one), and rewards that
/// differ inside every group.
/// </summary>
public static class ToyGrpo
{
    public static readonly IReadOnlyList<long> StopIds = [2, 3, 4, 5, 6, 7, 8, 9];

    /// <summary>The toy Qwen3 (<see cref="ToyTask"/>) with many stop ids, so sampled completions end at different lengths.</summary>
    public static Qwen3ForCausalLM Model(long seed = 5, ScalarType dtype = ScalarType.Float32) =>
        Qwen3ForCausalLM.Initialize(ToyTask.Config(), (ulong)seed, dtype, generationConfig: new GenerationConfig { EosTokenIds = StopIds, PadTokenId = ToyTask.Pad });

    /// <summary>Eight prompts [BOS, 10 + a] and [BOS, 10 + a, 20 + a], labelled by a's parity.</summary>
    public static IReadOnlyList<GrpoPrompt> Prompts { get; } = Enumerable.Range(0, 8)
        .Select(a => new GrpoPrompt(a % 2 == 0 ? [ToyTask.Bos, 10 + a] : [ToyTask.Bos, 10 + a, 20 + a], a % 2 == 0 ? "even" : "odd")).ToList();

    public static string Decode(long[] ids) => string.Join(' ', ids);

    /// <summary>The number of tokens plus 1 when the first token has the label's parity: differs within a group.</summary>
    public sealed class LengthAndParityReward : IReward
    {
        public string Name => "length_and_parity";

        public double Score(string completion, string label)
        {
            var tokens = completion.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            bool parity = tokens.Length > 0 && (long.Parse(tokens[0]) % 2 == 0 ? "even" : "odd") == label;
            return tokens.Length + (parity ? 1 : 0);
        }
    }

    public static WeightedReward Reward(IReadOnlyList<double>? weights = null) => new([new LengthAndParityReward()], weights);

    /// <summary>Every parameter's values, flattened in order, as float64.</summary>
    public static double[] Weights(Qwen3ForCausalLM model) =>
        model.parameters().SelectMany(p => p.to(ScalarType.Float64).data<double>().ToArray()).ToArray();
}
