using Reproduction.Qwen3;
using Reproduction.Sft;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Evaluation;

/// <summary>
/// The forward KL(π_ref ‖ π) per completion token on a split's demonstrations, exact over the vocabulary:
/// (1/N) Σ_{completion positions} Σ_v π_ref(v|·) (log π_ref(v|·) − log π(v|·)), teacher-forced on the demonstration.
/// With π_ref the base model and the SFT test split, it is RL's Razor's predictor of forgetting (Shenfeld et al.,
/// arXiv 2509.04259): E_{x∼task}[KL(π₀‖π)]. Batched, no gradient.
/// </summary>
public static class ForwardKl
{
    public static double PerToken(Qwen3ForCausalLM reference, Qwen3ForCausalLM model, IReadOnlyList<SftExample> examples, long padId, int maxLength, int batchSize)
    {
        if (examples.Count == 0) throw new ReproException("forward KL: the split is empty");
        using var noGrad = torch.no_grad();
        double sum = 0;
        long tokens = 0;
        for (int start = 0; start < examples.Count; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var chunk = examples.Skip(start).Take(batchSize).ToList();
            using var batch = SftBatch.Collate(chunk, padId, maxLength, device: model.Device);
            long t = batch.InputIds.shape[1];
            // Position t predicts token t + 1: the rows whose next token is a completion token.
            var wanted = batch.LossMask.narrow(1, 1, t - 1).ne(0).reshape(-1).nonzero().reshape(-1);
            Tensor LogProbs(Qwen3ForCausalLM m)
            {
                var hidden = m.Forward(batch.InputIds, batch.AttentionMask).LastHiddenState;
                var rows = hidden.narrow(1, 0, t - 1).reshape(-1, hidden.shape[2]).index_select(0, wanted);
                return m.ComputeLogits(rows).to(ScalarType.Float64).log_softmax(-1);
            }
            var lr = LogProbs(reference);
            var lp = LogProbs(model);
            sum += (lr.exp() * (lr - lp)).sum().item<double>();
            tokens += wanted.shape[0];
        }
        return sum / Math.Max(1, tokens);
    }
}
