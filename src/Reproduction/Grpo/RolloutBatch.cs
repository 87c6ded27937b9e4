using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Grpo;

/// <summary>
/// Prompts and their completions as one batch for the log-prob pass: each row is its prompt left-padded to the longest
/// prompt, then its completion right-padded to the longest completion. The completion mask [B, C] is 1 on completion
/// tokens; column c of the completion grid sits at sequence position promptWidth + c.
/// </summary>
public static class RolloutBatch
{
    public static (Tensor Ids, Tensor Attention, Tensor CompletionMask, long PromptWidth) Build(IReadOnlyList<long[]> promptIds, IReadOnlyList<long[]> completions, long padId, Device device)
    {
        int p = promptIds.Max(x => x.Length), c = Math.Max(1, completions.Max(x => x.Length)), t = p + c, b = promptIds.Count;
        var ids = new long[b * t];
        var att = new long[b * t];
        var cm = new long[b * c];
        Array.Fill(ids, padId);
        for (int r = 0; r < b; r++)
        {
            int off = p - promptIds[r].Length;
            for (int i = 0; i < promptIds[r].Length; i++) { ids[r * t + off + i] = promptIds[r][i]; att[r * t + off + i] = 1; }
            for (int j = 0; j < completions[r].Length; j++) { ids[r * t + p + j] = completions[r][j]; att[r * t + p + j] = 1; cm[r * c + j] = 1; }
        }
        return (torch.tensor(ids, [b, t], device: device), torch.tensor(att, [b, t], device: device), torch.tensor(cm, [b, c], device: device), p);
    }

    /// <summary>
    /// Log-probs [B, C] of the completion tokens under <paramref name="model"/> at <paramref name="temperature"/> (TRL scores
    /// under logits / T) and, if asked, the policy's entropy at those positions; on the autograd graph.
    /// </summary>
    public static (Tensor Logps, Tensor? Entropy) CompletionLogps(Qwen3.Qwen3ForCausalLM model, Tensor ids, Tensor attention, Tensor positions,
        Tensor completionMask, long promptWidth, double temperature, bool withEntropy)
    {
        var full = Qwen3.TokenLogProbs.Compute(model, ids, attention, positions, targetMask: null, temperature: temperature, withEntropy: withEntropy);
        long c = completionMask.shape[1];
        return (full.LogProbs.narrow(1, promptWidth - 1, c).to(ScalarType.Float32), full.Entropy?.narrow(1, promptWidth - 1, c).to(ScalarType.Float32));
    }
}
