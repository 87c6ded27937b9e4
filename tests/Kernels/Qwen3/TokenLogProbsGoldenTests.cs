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
    public void A_target_mask_scores_only_the_continuation(string stem)
    {
        var g = GoldenQwen3.Get(stem);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var ids = GoldenQwen3.Ids(g.Case("single"), "input_ids")!;
        var target = torch.zeros_like(ids);
        target.narrow(1, 8, 4).fill_(1); // the last 4 tokens are the "completion"
        var lp = TokenLogProbs.Compute(g.Model, ids, targetMask: target);
        var all = TokenLogProbs.Compute(g.Model, ids);
        Assert.Equal(4, lp.Valid.sum().item<long>());
        Assert.True(lp.Valid.narrow(1, 7, 4).all().item<bool>());
        var (max, _) = Diff.Abs(lp.LogProbs.narrow(1, 7, 4), all.LogProbs.narrow(1, 7, 4));
        Assert.True(max <= g.Tol.LogProbs);
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
