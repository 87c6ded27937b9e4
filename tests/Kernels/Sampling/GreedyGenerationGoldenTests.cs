using Repro.Tests.Qwen3;
using Reproduction.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Sampling;

/// <summary>
/// Greedy generation with the KV cache reproduces HF `generate(do_sample=False)` for every checkpoint, dtype and
/// generation case, with the case's max_new_tokens: the tokens exactly, the per-step logits within the logits tolerance.
/// </summary>
public sealed class GreedyGenerationGoldenTests
{
    public static IEnumerable<TheoryDataRow<string>> Stems() => GoldenQwen3.Stems();

    [Theory]
    [MemberData(nameof(Stems))]
    public void Greedy_tokens_and_step_logits_match_hf_generate(string stem)
    {
        var g = GoldenQwen3.Get(stem);
        foreach (var name in g.GenerationNames)
        {
            using var scope = torch.NewDisposeScope();
            var entry = g.Generation(name);
            var ids = GoldenQwen3.Ids(entry, "prompt_ids")!;
            var mask = GoldenQwen3.Ids(entry, "attention_mask")!;
            int maxNew = entry.GetProperty("max_new_tokens").GetInt32();
            var stepLogits = new List<double[]>();
            var result = TokenGenerator.Generate(g.Model, ids, mask, SamplingOptions.Greedy(maxNew),
                observer: (_, logits) => stepLogits.Add(logits.to(ScalarType.Float64).data<double>().ToArray()));

            var expected = GoldenQwen3.Matrix(entry.GetProperty("new_tokens"));
            var margins = entry.GetProperty("step_top1_top2_margin").EnumerateArray()
                .Select(r => r.EnumerateArray().Select(m => m.GetDouble()).ToArray()).ToArray();
            var golden = g.Array(entry.GetProperty("step_logits").GetString()!);   // [steps, B, V]
            var actual = torch.tensor(stepLogits.SelectMany(x => x).ToArray(), golden.shape, ScalarType.Float64);
            for (int r = 0; r < expected.Length; r++)
            {
                Assert.Equal(StopReason.MaxNewTokens, result.StopReasons[r]);
                int first = Enumerable.Range(0, expected[r].Length).FirstOrDefault(i => expected[r][i] != result.Tokens[r][i], -1);
                if (first >= 0)
                {
                    // A mismatch is tolerable only in bf16 and only after a step whose golden margin is below 0.5 (README).
                    Assert.True(g.ComputeDtype == ScalarType.BFloat16, $"{stem} {name} row {r}: token {first} differs ({result.Tokens[r][first]} vs {expected[r][first]})");
                    Assert.True(margins[r].Take(first + 1).Min() < GoldenTolerances.BFloat16GreedyMargin,
                        $"{stem} {name} row {r}: token {first} differs ({result.Tokens[r][first]} vs {expected[r][first]}) after confident steps");
                }
                // Step i's logits come from the tokens before it: comparable up to and including the first mismatch.
                int comparable = first >= 0 ? first + 1 : expected[r].Length;
                var (max, mean) = Diff.Abs(actual.narrow(0, 0, comparable).select(1, r), golden.narrow(0, 0, comparable).select(1, r));
                Assert.True(max <= g.Tol.Logits && mean <= g.Tol.LogitsMean, $"{stem} {name} row {r}: step logits max {max:E3} mean {mean:E3} over {comparable} steps");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Stems))]
    public void Cached_and_uncached_decoding_give_the_same_tokens(string stem)
    {
        var g = GoldenQwen3.Get(stem);
        foreach (var name in g.GenerationNames)
        {
            using var scope = torch.NewDisposeScope();
            var entry = g.Generation(name);
            var ids = GoldenQwen3.Ids(entry, "prompt_ids")!;
            var mask = GoldenQwen3.Ids(entry, "attention_mask")!;
            var greedy = SamplingOptions.Greedy(entry.GetProperty("max_new_tokens").GetInt32());
            var cached = TokenGenerator.Generate(g.Model, ids, mask, greedy, useCache: true);
            var uncached = TokenGenerator.Generate(g.Model, ids, mask, greedy, useCache: false);
            for (int r = 0; r < cached.Tokens.Count; r++)
            {
                Assert.Equal(uncached.Tokens[r], cached.Tokens[r]);
                for (int i = 0; i < cached.LogProbs[r].Length; i++)
                    Assert.True(Math.Abs(cached.LogProbs[r][i] - uncached.LogProbs[r][i]) <= g.Tol.LogProbs, $"{stem} {name}: log-prob {r},{i}");
            }
        }
    }
}
