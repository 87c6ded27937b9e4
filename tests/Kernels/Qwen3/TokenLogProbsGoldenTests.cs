using System.Text.Json;
using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Qwen3;

/// <summary>Per-token log-probabilities, row sums and mean NLL match the golden values (HF's causal-LM loss) for every checkpoint and dtype.</summary>
public sealed class TokenLogProbsGoldenTests
{
    public static IEnumerable<TheoryDataRow<string>> Stems() => GoldenQwen3.Stems();

    [Theory]
    [MemberData(nameof(Stems))]
    public void Token_logprobs_sums_and_mean_nll_match(string stem)
    {
        var g = GoldenQwen3.Get(stem);
        using var noGrad = torch.no_grad();
        foreach (var name in g.CaseNames)
        {
            using var scope = torch.NewDisposeScope();
            var c = g.Case(name);
            var (ids, mask, pos) = GoldenQwen3.Inputs(c);
            var lp = TokenLogProbs.Compute(g.Model, ids, mask, pos, chunkRows: 5); // small chunks: exercise the chunking

            var expected = g.Array($"{name}.token_logprobs");
            Assert.True(lp.Valid.eq(expected.isnan().logical_not()).all().item<bool>(), $"{stem} {name}: valid positions differ from the golden non-null entries");
            var (max, _) = Diff.Abs(lp.LogProbs, expected, lp.Valid);
            Assert.True(max <= g.Tol.LogProbs, $"{stem} {name}: token log-probs max |diff| {max:E3} > {g.Tol.LogProbs:E1}");

            var sums = c.GetProperty("sum_token_logprobs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var actualSums = lp.SumPerRow().to(ScalarType.Float64).data<double>().ToArray();
            for (int r = 0; r < sums.Length; r++)
                Assert.True(Math.Abs(actualSums[r] - sums[r]) <= g.Tol.SumLogProbs, $"{stem} {name}: row {r} sum {actualSums[r]} vs {sums[r]}");

            double nll = lp.MeanNll().to(ScalarType.Float64).item<double>();
            double expectedNll = c.GetProperty("mean_nll").GetDouble();
            Assert.True(Math.Abs(nll - expectedNll) <= g.Tol.LogProbs, $"{stem} {name}: mean_nll {nll} vs {expectedNll}");
        }
    }

    [Theory]
    [MemberData(nameof(Stems))]
    public void A_target_mask_scores_only_the_completion_of_every_generation_case_with_hfs_step_log_probs(string stem)
    {
        var g = GoldenQwen3.Get(stem);
        using var noGrad = torch.no_grad();
        Assert.NotEmpty(g.GenerationNames);
        foreach (var name in g.GenerationNames)
        {
            using var scope = torch.NewDisposeScope();
            var entry = g.Generation(name);
            var ids = GoldenQwen3.Ids(entry, "sequences")!;                                   // [B, prompt + completion]
            long prompt = GoldenQwen3.Ids(entry, "prompt_ids")!.shape[1];
            var newTokens = GoldenQwen3.Ids(entry, "new_tokens")!;
            long completion = newTokens.shape[1];
            var mask = torch.cat([GoldenQwen3.Ids(entry, "attention_mask")!, torch.ones(ids.shape[0], completion, ScalarType.Int64)], 1);
            var positions = AttentionMasks.GenerationPositions(mask);
            var target = torch.zeros_like(ids);
            target.narrow(1, prompt, completion).fill_(1);

            var lp = TokenLogProbs.Compute(g.Model, ids, mask, positions, targetMask: target);
            Assert.Equal(ids.shape[0] * completion, lp.Valid.sum().item<long>());
            var scored = lp.LogProbs.narrow(1, prompt - 1, completion);                         // position t scores token t + 1
            Assert.True(lp.Valid.narrow(1, prompt - 1, completion).all().item<bool>(), $"{stem} {name}: a completion token is not scored");

            // HF's log-probabilities of the tokens it generated: log_softmax of its step logits [steps, B, V] at those tokens.
            var stepLogits = g.Array(entry.GetProperty("step_logits").GetString()!).permute(1, 0, 2);
            var expected = stepLogits.log_softmax(-1).gather(-1, newTokens.unsqueeze(-1)).squeeze(-1);
            var (max, _) = Diff.Abs(scored, expected);
            Assert.True(max <= g.Tol.LogProbs, $"{stem} {name}: completion log-probs max |diff| {max:E3} > {g.Tol.LogProbs:E1}");
        }
    }

    [Fact]
    public void Log_probs_are_differentiable()
    {
        var g = GoldenQwen3.Get("f32.float32");
        using var scope = torch.NewDisposeScope();
        var ids = GoldenQwen3.Ids(g.Case("single"), "input_ids")!;
        var lp = TokenLogProbs.Compute(g.Model, ids);
        var loss = lp.MeanNll();
        var grads = torch.autograd.grad([loss], [g.Model.LmHeadWeight]);
        Assert.True(grads[0].abs().sum().item<float>() > 0);
    }
}
