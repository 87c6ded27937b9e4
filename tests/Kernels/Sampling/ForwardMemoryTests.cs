using Repro.Tests.Qwen3;
using Reproduction;
using Reproduction.Qwen3;
using Reproduction.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Sampling;

/// <summary>A forward pass and a log-prob computation inside a dispose scope leave no tensors behind.</summary>
public sealed class ForwardMemoryTests
{
    [Fact]
    public void Forward_and_log_probs_in_a_scope_leave_the_live_tensor_count_unchanged()
    {
        var g = GoldenQwen3.Get("f32.float32");
        var model = g.Model; // loaded (its parameters live on) before counting
        var ids = GoldenQwen3.Ids(g.Case("batch_left_padded"), "input_ids")!;
        var mask = GoldenQwen3.Ids(g.Case("batch_left_padded"), "attention_mask")!;
        var stats = DisposeScopeManager.Statistics;
        using var noGrad = torch.no_grad();
        long before = stats.ThreadTotalLiveCount;
        for (int i = 0; i < 5; i++)
        {
            using var scope = torch.NewDisposeScope();
            model.Forward(ids, mask, outputHiddenStates: true);
            TokenLogProbs.Compute(model, ids, mask).MeanNll();
        }
        Assert.Equal(before, stats.ThreadTotalLiveCount);
    }
}
