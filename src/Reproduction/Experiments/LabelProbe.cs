using Reproduction.Data;
using Reproduction.Evaluation;
using Reproduction.Qwen3;
using Reproduction.Sft;
using Reproduction.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Experiments;

/// <summary>What a model believes about each sentence's label, teacher-forced in one answer format.</summary>
/// <param name="PTrue">Per example: p(true label) renormalised over the two labels.</param>
/// <param name="Auc">AUC of p(acceptable) against the truth (0.5: no skill; 1: perfect ranking).</param>
/// <param name="LabelCe">Mean −log p(label tokens | prompt, template) of the true label over the full vocabulary, in nats per example.</param>
public sealed record LabelBelief(double[] PTrue, double Auc, double LabelCe)
{
    public double MeanPTrue => PTrue.Average();
    /// <summary>Accuracy of the more probable label (the greedy label under teacher forcing).</summary>
    public double ArgmaxAccuracy => PTrue.Count(p => p > 0.5) / (double)PTrue.Length;
}

/// <summary>The SFT cross-entropy split by token role: template and think tokens, the label, the end token (nats per completion token of the whole split, so the parts add up to the total).</summary>
/// <param name="PerExample">Each example's share of <see cref="Total"/>: its summed NLL over the mean completion length, so their mean is the total.</param>
public sealed record CeByRole(double Template, double Label, double End, IReadOnlyList<double> PerExample)
{
    public double Total => Template + Label + End;
}

/// <summary>
/// Probes of the label skill behind the study's rewards. The two answers of a sentence share every token up to the
/// label, so the difference of their sequence log-probabilities is the label's log-odds: p(true) needs no sampling,
/// and its AUC says whether the model ranks sentences by grammaticality even when its samples look like the prior.
/// </summary>
public static class LabelProbe
{
    /// <summary>The answer formats a belief is read in: the SFT target (empty think, /no_think prompt) or the RL answer with a fixed thought.</summary>
    public enum Format { Sft, Rl }

    public static LabelBelief Belief(Qwen3ForCausalLM model, ColaTaskEncoder encoder, IReadOnlyList<ColaExample> examples, Format format, string thought, int batchSize = 100)
    {
        SftExample Answer(ColaExample e, int label) => format == Format.Sft
            ? encoder.Sft(e with { Label = label })
            : new SftExample(encoder.Ids(encoder.RlPromptText(e)), encoder.Ids(RlAnswer(encoder, thought, label)));
        var both = examples.SelectMany(e => new[] { Answer(e, e.Label), Answer(e, 1 - e.Label) }).ToList();
        var (nll, _) = CrossEntropy.PerSequence(model, both, encoder.PadId, 512, batchSize);
        var pTrue = new double[examples.Count];
        var pAcceptable = new double[examples.Count];
        for (int i = 0; i < examples.Count; i++)
        {
            pTrue[i] = 1 / (1 + Math.Exp(nll[2 * i] - nll[2 * i + 1]));
            pAcceptable[i] = examples[i].Label == ColaExample.Acceptable ? pTrue[i] : 1 - pTrue[i];
        }
        var roles = Roles(encoder, examples, format, thought);
        var split = CeSplit(model, encoder, examples.Select(e => Answer(e, e.Label)).ToList(), roles);
        double labelCe = split.Label * split.Tokens / examples.Count;
        return new LabelBelief(pTrue, Auc(pAcceptable, examples.Select(e => e.Label == ColaExample.Acceptable).ToArray()), labelCe);
    }

    /// <summary>The SFT-test cross-entropy of the SFT targets split by token role (the three parts add up to the study's CE).</summary>
    public static CeByRole SftCeByRole(Qwen3ForCausalLM model, ColaTaskEncoder encoder, IReadOnlyList<ColaExample> examples, int maxLength = 512) =>
        CeByRoleOf(model, encoder, examples.Select(encoder.Sft).ToList(), maxLength);

    /// <summary>
    /// The cross-entropy of any completions split by token role: the end token is the last, the label the tokens that
    /// spell one of the two label words just before it, everything earlier is template (think block, thought).
    /// </summary>
    public static CeByRole CeByRoleOf(Qwen3ForCausalLM model, ColaTaskEncoder encoder, IReadOnlyList<SftExample> examples, int maxLength = 512)
    {
        var labels = new[] { 0, 1 }.Select(l => encoder.Ids(encoder.Formatter.LabelText(l))).ToArray();
        var roles = examples.Select(x =>
        {
            var c = x.CompletionIds;
            int labelLength = labels.Where(l => l.Length < c.Count && c.Skip(c.Count - 1 - l.Length).Take(l.Length).SequenceEqual(l)).Select(l => l.Length).DefaultIfEmpty(0).Max();
            return c.Select((_, k) => k == c.Count - 1 ? Role.End : k >= c.Count - 1 - labelLength ? Role.Label : Role.Template).ToArray();
        }).ToArray();
        var split = CeSplit(model, encoder, examples, roles, maxLength);
        return new CeByRole(split.Template, split.Label, split.End, split.PerExample);
    }

    public static string RlAnswer(ColaTaskEncoder encoder, string thought, int label) =>
        $"<think>\n{thought}\n</think>\n\n{encoder.Formatter.LabelText(label)}{Qwen3SpecialTokens.ImEndToken}";

    private enum Role { Template, Label, End }

    /// <summary>Each completion token's role: the tokens the two labels' answers share are template, the last is the end token, the rest the label.</summary>
    private static Role[][] Roles(ColaTaskEncoder encoder, IReadOnlyList<ColaExample> examples, Format format, string thought) =>
        examples.Select(e =>
        {
            long[] Ids(int label) => format == Format.Sft ? encoder.Ids(encoder.SftCompletionText(e with { Label = label })) : encoder.Ids(RlAnswer(encoder, thought, label));
            var own = Ids(e.Label);
            var other = Ids(1 - e.Label);
            int shared = 0;
            while (shared < own.Length - 1 && shared < other.Length && own[shared] == other[shared]) shared++;
            return own.Select((_, k) => k < shared ? Role.Template : k == own.Length - 1 ? Role.End : Role.Label).ToArray();
        }).ToArray();

    private sealed record Split(double Template, double Label, double End, long Tokens, double[] PerExample);

    private static Split CeSplit(Qwen3ForCausalLM model, ColaTaskEncoder encoder, IReadOnlyList<SftExample> examples, Role[][] roles, int maxLength = 512, int batchSize = 100)
    {
        using var noGrad = torch.no_grad();
        var sums = new double[3];
        var perExample = new double[examples.Count];
        long tokens = 0;
        for (int start = 0; start < examples.Count; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var chunk = examples.Skip(start).Take(batchSize).ToList();
            using var batch = SftBatch.Collate(chunk, encoder.PadId, maxLength, device: model.Device);
            var lp = TokenLogProbs.Compute(model, batch.InputIds, batch.AttentionMask, targetMask: batch.LossMask);
            var values = lp.LogProbs.to(ScalarType.Float64).cpu();
            var valid = lp.Valid.cpu();
            for (int k = 0; k < chunk.Count; k++)
            {
                var row = values[k].data<double>().ToArray();
                var mask = valid[k].data<bool>().ToArray();
                int j = 0;
                for (int t = 0; t < row.Length; t++)
                {
                    if (!mask[t]) continue;
                    var role = roles[start + k][j++];
                    sums[(int)role] -= row[t];
                    perExample[start + k] -= row[t];
                    tokens++;
                }
            }
        }
        double meanLength = tokens / (double)Math.Max(1, examples.Count);
        return new Split(sums[0] / tokens, sums[1] / tokens, sums[2] / tokens, tokens, perExample.Select(x => x / meanLength).ToArray());
    }

    /// <summary>The Mann–Whitney AUC: the chance that a random positive scores above a random negative (ties count half).</summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<bool> positive)
    {
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double rankSum = 0;
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) if (positive[order[k]]) rankSum += rank;
            i = j + 1;
        }
        long pos = positive.Count(p => p), neg = positive.Count - pos;
        if (pos == 0 || neg == 0) return double.NaN;
        return (rankSum - pos * (pos + 1) / 2.0) / (pos * neg);
    }
}
