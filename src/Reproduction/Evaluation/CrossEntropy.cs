using Reproduction.Qwen3;
using Reproduction.Sft;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Evaluation;

/// <summary>The SFT loss of a model on a split, in both of the paper's normalisations.</summary>
public sealed record CrossEntropyResult(double MeanTokenNll, double MeanSequenceNll, long Tokens, int Sequences);

/// <summary>
/// SFT test-set cross-entropy (the metric of the paper's Fig. 3a): the mean NLL per completion token over the
/// whole split (verl's SFT val/loss, TRL's eval_loss), and the mean per-sequence sum −log p(y|x) (the
/// expectation form of Eq. 7 / Lemma 1). Batched, no gradient, logits only at completion positions.
/// </summary>
public static class CrossEntropy
{
    public static CrossEntropyResult Evaluate(Qwen3ForCausalLM model, IReadOnlyList<SftExample> examples, long padId, int maxLength, int batchSize)
    {
        var (nll, tokens) = PerSequence(model, examples, padId, maxLength, batchSize);
        long total = tokens.Sum();
        if (total == 0) throw new ReproException("cross-entropy: no completion tokens left after truncation (max_length too small?)");
        return new CrossEntropyResult(nll.Sum() / total, nll.Sum() / examples.Count, total, examples.Count);
    }

    /// <summary>Per example: −log p(completion | prompt) summed over its completion tokens (Lemma 1's −log p(y|x)), and how many tokens that is.</summary>
    public static (double[] Nll, long[] Tokens) PerSequence(Qwen3ForCausalLM model, IReadOnlyList<SftExample> examples, long padId, int maxLength, int batchSize)
    {
        if (examples.Count == 0) throw new ReproException("cross-entropy: the evaluation split is empty");
        using var noGrad = torch.no_grad();
        var nll = new double[examples.Count];
        var tokens = new long[examples.Count];
        for (int start = 0; start < examples.Count; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var chunk = examples.Skip(start).Take(batchSize).ToList();
            using var batch = SftBatch.Collate(chunk, padId, maxLength, device: model.Device);
            var lp = TokenLogProbs.Compute(model, batch.InputIds, batch.AttentionMask, targetMask: batch.LossMask);
            var rows = (-lp.SumPerRow()).to(ScalarType.Float64).cpu().data<double>().ToArray();
            var counts = lp.Valid.sum(1).cpu().data<long>().ToArray();
            for (int k = 0; k < chunk.Count; k++) { nll[start + k] = rows[k]; tokens[start + k] = counts[k]; }
        }
        return (nll, tokens);
    }
}
