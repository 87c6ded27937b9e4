using Reproduction.Data;
using Reproduction.Sft;
using Reproduction.Text;

namespace Reproduction.Experiments;

/// <summary>
/// The pre-training corpus of the tiny preset's base model (see <see cref="BaseSpec"/>): for each training
/// sentence one answer, in the RL format (`&lt;think&gt;\n{thought}\n&lt;/think&gt;\n\n{label}`) or, with probability
/// hybrid_fraction, in the SFT format (empty think, `/no_think` prompt), with a label drawn independently of
/// the sentence (the majority label with the given probability). The base thus answers in format at about the
/// majority rate and knows no grammar, like the paper's near-majority base (0.385 mean@1 ≈ 69% accuracy).
/// </summary>
public static class BaseModelRecipe
{
    public static IReadOnlyList<SftExample> Corpus(ColaTaskEncoder encoder, IReadOnlyList<ColaExample> sentences, BaseSpec spec, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var list = new List<SftExample>(sentences.Count);
        foreach (var e in sentences)
        {
            int label = rng.NextDouble() < spec.MajorityLabelProbability ? 1 : 0;
            var answerFor = e with { Label = label };
            if (rng.NextDouble() < spec.HybridFraction)
            {
                list.Add(encoder.Sft(answerFor));
            }
            else
            {
                var thought = rng.Pick(spec.Thoughts);
                var completion = $"<think>\n{thought}\n</think>\n\n{encoder.Formatter.LabelText(label)}{Qwen3SpecialTokens.ImEndToken}";
                list.Add(new SftExample(encoder.Ids(encoder.RlPromptText(e)), encoder.Ids(completion)));
            }
        }
        return list;
    }

    /// <summary>Every text the corpus can contain, for building the vocabulary subset before encoding.</summary>
    public static IEnumerable<string> Texts(ColaTaskEncoder encoder, BaseSpec spec) =>
        spec.Thoughts.SelectMany(t => new[] { 0, 1 }.Select(l => $"<think>\n{t}\n</think>\n\n{encoder.Formatter.LabelText(l)}{Qwen3SpecialTokens.ImEndToken}"));
}
