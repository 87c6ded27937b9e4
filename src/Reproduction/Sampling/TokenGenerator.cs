using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Sampling;

/// <summary>
/// HF `generate` for Qwen3: batched prompts left-padded with the pad id, positions `cumsum(mask) - 1` (1 at pads),
/// a preallocated KV cache (prefill, then one token per step), greedy or temperature/top-k/top-p sampling from a
/// seeded generator, per-row finished flags (finished rows are fed the pad id, as HF does), stop on any eos id or
/// at max_new_tokens. Each step runs in its own dispose scope; the only per-step host sync is the "all finished?" check.
/// </summary>
public static class TokenGenerator
{
    /// <summary>Called once per step with the step index and the float32 logits [B, V] of the last position (before warping).</summary>
    public delegate void StepObserver(int step, Tensor logits);

    /// <summary>Generates from token-id prompts of any lengths (left-padded here).</summary>
    public static GenerationResult Generate(Qwen3ForCausalLM model, IReadOnlyList<long[]> prompts, SamplingOptions options,
        bool useCache = true, StepObserver? observer = null)
    {
        if (prompts.Count == 0) throw new ReproException("--ids: no prompts given");
        long pad = PadId(model, options);
        using var scope = torch.NewDisposeScope();
        var (ids, mask) = LeftPad(prompts, pad, model.Device);
        return Generate(model, ids, mask, options, useCache, observer);
    }

    /// <summary>input_ids [B, T] left-padded, attention_mask [B, T] (0 at pads).</summary>
    public static GenerationResult Generate(Qwen3ForCausalLM model, Tensor inputIds, Tensor attentionMask, SamplingOptions options,
        bool useCache = true, StepObserver? observer = null)
    {
        options.Validate();
        long pad = PadId(model, options);
        var eos = (options.EosTokenIds ?? model.GenerationConfig.EosTokenIds).ToArray();
        long b = inputIds.shape[0], t0 = inputIds.shape[1];
        int maxNew = options.MaxNewTokens;
        var device = model.Device;
        var lpDtype = model.Dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        using var generator = options.DoSample ? new torch.Generator(options.Seed!.Value, device) : null;
        using var noGrad = torch.no_grad();
        using var cache = useCache ? new KVCache(model.Config, b, t0 + maxNew, model.Dtype, device) : null;

        using var outer = torch.NewDisposeScope();
        var tokens = torch.full([b, maxNew], pad, ScalarType.Int64, device);
        var logProbs = torch.zeros([b, maxNew], ScalarType.Float32, device);
        var eosIds = torch.tensor(eos.Length > 0 ? eos : [-1L], ScalarType.Int64, device);
        var finished = torch.zeros(b, ScalarType.Bool, device);
        var mask = attentionMask.to(ScalarType.Int64, device).clone();   // owned copies: replaced (and freed) step by step
        var sequence = inputIds.to(device).clone();

        // Prefill: the whole prompt, logits of the last position only.
        var logits = model.Forward(sequence, mask, AttentionMasks.GenerationPositions(mask), cache, logitsToKeep: 1).Logits!;
        // The next token's position, cumsum(mask) − 1 at the new column = the number of real tokens so far; +1 per step.
        var nextPosition = mask.sum(1, keepdim: true, type: ScalarType.Int64);
        int steps = 0;
        for (int step = 0; step < maxNew; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            var scores = logits.select(1, logits.shape[1] - 1).to(lpDtype);      // [B, V]
            observer?.Invoke(step, scores);
            var next = options.DoSample
                ? LogitsWarpers.Apply(scores.to(ScalarType.Float32), options).softmax(-1).multinomial(1, generator: generator).squeeze(1)
                : scores.argmax(-1);                                               // ties: the lowest id, as torch.argmax
            var lp = scores.log_softmax(-1).gather(1, next.unsqueeze(1)).squeeze(1).to(ScalarType.Float32);
            // HF: next = next * unfinished + pad * (1 - unfinished)
            next = next.masked_fill(finished, pad);
            tokens.select(1, step).copy_(next);
            logProbs.select(1, step).copy_(lp.masked_fill(finished, 0));
            var nowFinished = finished.logical_or(torch.isin(next, eosIds));
            finished.copy_(nowFinished);
            steps = step + 1;
            if (step == maxNew - 1 || finished.all().item<bool>()) break;

            // Next step's input: one token per row, the mask grows by one (always 1, as in HF), positions continue.
            // The state tensors (mask, sequence, logits) live in the outer scope; each replaced one is freed at once.
            var oldMask = mask;
            mask = torch.cat([mask, torch.ones([b, 1], ScalarType.Int64, device)], 1).MoveToOuterDisposeScope();
            oldMask.Dispose();
            Tensor stepLogits;
            if (cache is not null)
            {
                stepLogits = model.Forward(next.unsqueeze(1), mask, nextPosition, cache, logitsToKeep: 1).Logits!;
                nextPosition.add_(1);
            }
            else
            {
                var oldSequence = sequence;
                sequence = torch.cat([sequence, next.unsqueeze(1)], 1).MoveToOuterDisposeScope();
                oldSequence.Dispose();
                stepLogits = model.Forward(sequence, mask, AttentionMasks.GenerationPositions(mask), null, logitsToKeep: 1).Logits!;
            }
            var oldLogits = logits;
            logits = stepLogits.MoveToOuterDisposeScope();
            oldLogits.Dispose();
        }

        var tokenRows = ToRows(tokens.narrow(1, 0, steps).cpu());
        var lpRows = ToFloatRows(logProbs.narrow(1, 0, steps).cpu());
        var outTokens = new List<long[]>();
        var outLps = new List<float[]>();
        var reasons = new List<StopReason>();
        var eosSet = new HashSet<long>(eos);
        for (int r = 0; r < b; r++)
        {
            int stop = Array.FindIndex(tokenRows[r], eosSet.Contains);
            int len = stop >= 0 ? stop + 1 : steps;
            outTokens.Add(tokenRows[r][..len]);
            outLps.Add(lpRows[r][..len]);
            reasons.Add(stop >= 0 ? StopReason.Eos : StopReason.MaxNewTokens);
        }
        return new GenerationResult(outTokens, outLps, reasons);
    }

    /// <summary>The pad id: the option, else generation_config's pad_token_id, else its first eos id (HF's fallback), else 0.</summary>
    public static long PadId(Qwen3ForCausalLM model, SamplingOptions options) =>
        options.PadTokenId ?? model.GenerationConfig.PadTokenId ?? model.Config.PadTokenId
        ?? (model.GenerationConfig.EosTokenIds.Count > 0 ? model.GenerationConfig.EosTokenIds[0] : 0);

    /// <summary>Left-pads prompts to one length: ids [B, T] with `pad` in front, mask [B, T] with 0 there.</summary>
    public static (Tensor Ids, Tensor Mask) LeftPad(IReadOnlyList<long[]> prompts, long pad, Device? device = null)
    {
        int t = prompts.Max(p => p.Length);
        if (t == 0) throw new ReproException("--ids: every prompt is empty");
        var ids = new long[prompts.Count * t];
        var mask = new long[prompts.Count * t];
        for (int r = 0; r < prompts.Count; r++)
        {
            int offset = t - prompts[r].Length;
            for (int i = 0; i < t; i++)
            {
                ids[r * t + i] = i < offset ? pad : prompts[r][i - offset];
                mask[r * t + i] = i < offset ? 0 : 1;
            }
        }
        return (torch.tensor(ids, [prompts.Count, t], ScalarType.Int64, device), torch.tensor(mask, [prompts.Count, t], ScalarType.Int64, device));
    }

    private static long[][] ToRows(Tensor t)
    {
        long cols = t.shape[1];
        var flat = t.contiguous().data<long>().ToArray();
        return Enumerable.Range(0, (int)t.shape[0]).Select(r => flat.AsSpan((int)(r * cols), (int)cols).ToArray()).ToArray();
    }

    private static float[][] ToFloatRows(Tensor t)
    {
        long cols = t.shape[1];
        var flat = t.contiguous().data<float>().ToArray();
        return Enumerable.Range(0, (int)t.shape[0]).Select(r => flat.AsSpan((int)(r * cols), (int)cols).ToArray()).ToArray();
    }
}
