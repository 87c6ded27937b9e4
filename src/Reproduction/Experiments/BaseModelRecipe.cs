using Reproduction.Data;
using Reproduction.Sft;
using Reproduction.Text;

namespace Reproduction.Experiments;

/// <summary>
/// The pre-training corpus of the tiny preset's base model (see <see cref="BaseSpec"/>), phase by phase. A base
/// like a real pretrained chat model knows the language but is unsure on the task: each phase trains on answers to
/// grammar sentences the study never uses (a fresh draw of the grammar, the study's train and test sentences
/// removed), in the RL format (`&lt;think&gt;\n{thought}\n&lt;/think&gt;\n\n{label}`) or, with probability
/// hybrid_fraction, in the SFT format (empty think, `/no_think` prompt). The label is the sentence's true label with
/// probability label_accuracy, else the other one: a skill phase at 1.0 teaches the grammar, a calibration phase
/// below 1.0 then leaves the truth as the greedy answer at about that probability (the latent skill RL can harvest).
/// </summary>
public static class BaseModelRecipe
{
    /// <summary>The sentences of the corpus: <see cref="BaseSpec.CorpusSize"/> fresh grammar sentences, none of <paramref name="exclude"/>.</summary>
    public static IReadOnlyList<ColaExample> Sentences(BaseSpec spec, DataSpec data, IEnumerable<ColaExample> exclude)
    {
        var taken = exclude.Select(e => e.Sentence).ToHashSet(StringComparer.Ordinal);
        var fresh = SyntheticColaGenerator.Generate(data.Synthetic(spec.CorpusSeed, spec.CorpusSize + taken.Count, 0));
        return fresh.TrainExamples.Where(e => !taken.Contains(e.Sentence)).Take(spec.CorpusSize).ToArray();
    }

    /// <summary>
    /// The probe of a <see cref="BaseExtension"/>: <paramref name="count"/> fresh grammar sentences from their own stream,
    /// none of <paramref name="exclude"/> (the corpus, the study's train and test sentences).
    /// </summary>
    public static IReadOnlyList<ColaExample> ProbeSentences(BaseSpec spec, DataSpec data, IEnumerable<ColaExample> exclude, int count)
    {
        var taken = exclude.Select(e => e.Sentence).ToHashSet(StringComparer.Ordinal);
        var fresh = SyntheticColaGenerator.Generate(data.Synthetic(Seeds.BaseProbe(spec.CorpusSeed), count + taken.Count, 0));
        return fresh.TrainExamples.Where(e => !taken.Contains(e.Sentence)).Take(count).ToArray();
    }

    /// <summary>One phase's answers, one per sentence, labels and formats drawn from <paramref name="seed"/>.</summary>
    public static IReadOnlyList<SftExample> Corpus(ColaTaskEncoder encoder, IReadOnlyList<ColaExample> sentences, BaseSpec spec, BasePhase phase, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var list = new List<SftExample>(sentences.Count);
        foreach (var e in sentences)
        {
            int label = rng.NextDouble() < phase.LabelAccuracy ? e.Label : 1 - e.Label;
            var answerFor = e with { Label = label };
            if (rng.NextDouble() < spec.HybridFraction)
            {
                list.Add(encoder.Sft(answerFor));
            }
            else
            {
                var thought = rng.Pick(spec.Thoughts);
                list.Add(new SftExample(encoder.Ids(encoder.RlPromptText(e)), encoder.Ids(RlAnswer(encoder, thought, label))));
            }
        }
        return list;
    }

    private static string RlAnswer(ColaTaskEncoder encoder, string thought, int label) =>
        $"<think>\n{thought}\n</think>\n\n{encoder.Formatter.LabelText(label)}{Qwen3SpecialTokens.ImEndToken}";

    /// <summary>Every text the corpus can contain, for building the vocabulary subset before encoding.</summary>
    public static IEnumerable<string> Texts(ColaTaskEncoder encoder, BaseSpec spec, IReadOnlyList<ColaExample> sentences) =>
        spec.Thoughts.SelectMany(t => new[] { 0, 1 }.Select(l => RlAnswer(encoder, t, l)))
            .Concat(sentences.SelectMany(e => new[] { encoder.SftPromptText(e), encoder.RlPromptText(e) }));
}
