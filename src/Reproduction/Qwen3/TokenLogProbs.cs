using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>
/// Per-token log-probabilities of given continuations, what SFT loss, GRPO and evaluation need:
/// `LogProbs[b, t] = log_softmax(logits[b, t].float())[ids[b, t+1]]` for t in 0..T-2, computed only where
/// `Valid[b, t]` is 1. Memory-efficient: the hidden states of the needed positions are gathered first, and the
/// lm_head and log_softmax run on those rows only, in chunks; [B, T, vocab] is never materialised.
/// Differentiable (no in-place writes), so a trainer can back-propagate through <see cref="LogProbs"/>.
/// </summary>
public sealed record TokenLogProbs(Tensor LogProbs, Tensor Valid, Tensor? Entropy = null)
{
    /// <summary>Rows of [rows, vocab] logits computed at once (151,936 × 1024 × 4 B ≈ 620 MB for Qwen3 in float32).</summary>
    public const long DefaultChunkRows = 1024;

    /// <summary>
    /// input_ids [B, T]; attention_mask [B, T] (null: all ones); position_ids as in <see cref="Qwen3ForCausalLM.Forward"/>;
    /// targetMask [B, T] (null: every real token after a real token): 1 at the tokens whose log-prob is wanted
    /// (e.g. completion tokens). Position t predicts token t+1, so target column 0 is never scored.
    /// Log-probs are float32 (float64 for float64 compute, matching the float64 reference).
    /// </summary>
    public static TokenLogProbs Compute(Qwen3ForCausalLM model, Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null,
        Tensor? targetMask = null, long chunkRows = DefaultChunkRows, double temperature = 1.0, bool withEntropy = false)
    {
        using var scope = torch.NewDisposeScope();
        var hidden = model.Forward(inputIds, attentionMask, positionIds, logitsToKeep: null).LastHiddenState;
        var result = FromHidden(model, hidden, inputIds, attentionMask, targetMask, chunkRows, temperature, withEntropy);
        return new TokenLogProbs(result.LogProbs.MoveToOuterDisposeScope(), result.Valid.MoveToOuterDisposeScope(), result.Entropy?.MoveToOuterDisposeScope());
    }

    /// <summary>The same from final hidden states [B, T, hidden] already computed (e.g. by a trainer's forward).</summary>
    /// <remarks>
    /// `temperature` ≠ 1 scores under logits / T, as TRL's GRPO does for the sampling temperature. `withEntropy` also
    /// returns the (detached) entropy of the next-token distribution at the same positions (TRL's logged `entropy`).
    /// </remarks>
    public static TokenLogProbs FromHidden(Qwen3ForCausalLM model, Tensor hidden, Tensor inputIds, Tensor? attentionMask = null,
        Tensor? targetMask = null, long chunkRows = DefaultChunkRows, double temperature = 1.0, bool withEntropy = false)
    {
        using var scope = torch.NewDisposeScope();
        long b = inputIds.shape[0], t = inputIds.shape[1], h = hidden.shape[2];
        if (t < 2) throw new ArgumentException("need at least 2 tokens per row to score a continuation");
        var real = attentionMask is null ? torch.ones_like(inputIds, ScalarType.Bool) : attentionMask.ne(0);
        var valid = real.narrow(1, 0, t - 1).logical_and(real.narrow(1, 1, t - 1));
        if (targetMask is not null) valid = valid.logical_and(targetMask.ne(0).narrow(1, 1, t - 1));

        var flatValid = valid.reshape(-1);
        var index = flatValid.nonzero().reshape(-1);                                     // positions t that predict a wanted token
        var rows = hidden.narrow(1, 0, t - 1).reshape(-1, h).index_select(0, index);    // [N, hidden]
        var targets = inputIds.narrow(1, 1, t - 1).reshape(-1).index_select(0, index);  // [N]
        var lpDtype = hidden.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;

        long n = rows.shape[0];
        var pieces = new List<Tensor>();
        var entropies = new List<Tensor>();
        for (long start = 0; start < n; start += chunkRows)
        {
            long len = Math.Min(chunkRows, n - start);
            // HF loss: logits.float(), then (log_)softmax over the vocabulary.
            var logits = model.ComputeLogits(rows.narrow(0, start, len)).to(lpDtype);
            if (temperature != 1.0) logits = logits / temperature;
            var logp = logits.log_softmax(-1);
            pieces.Add(logp.gather(1, targets.narrow(0, start, len).unsqueeze(1)).squeeze(1));
            if (withEntropy)
                using (torch.no_grad()) { var d = logp.detach(); entropies.Add(-(d.exp() * d).sum(-1)); }
        }
        var values = n == 0 ? torch.zeros(0, lpDtype, hidden.device) : pieces.Count == 1 ? pieces[0] : torch.cat(pieces, 0);
        var logProbs = torch.zeros(b * (t - 1), lpDtype, hidden.device).index_copy(0, index, values).view(b, t - 1);
        Tensor? entropy = null;
        if (withEntropy)
        {
            var ent = n == 0 ? torch.zeros(0, lpDtype, hidden.device) : entropies.Count == 1 ? entropies[0] : torch.cat(entropies, 0);
            entropy = torch.zeros(b * (t - 1), lpDtype, hidden.device).index_copy(0, index, ent).view(b, t - 1).MoveToOuterDisposeScope();
        }
        return new TokenLogProbs(logProbs.MoveToOuterDisposeScope(), valid.MoveToOuterDisposeScope(), entropy);
    }

    /// <summary>Sum of log-probs over valid positions, per row [B].</summary>
    public Tensor SumPerRow() => LogProbs.masked_fill(Valid.logical_not(), 0).sum(1);

    /// <summary>Mean negative log-likelihood over all valid positions (HF's causal-LM loss with -100 elsewhere).</summary>
    public Tensor MeanNll()
    {
        using var scope = torch.NewDisposeScope();
        var count = Valid.sum().to(LogProbs.dtype);
        return (-(LogProbs.masked_fill(Valid.logical_not(), 0).sum()) / count).MoveToOuterDisposeScope();
    }
}
