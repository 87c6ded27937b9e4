using static Reproduction.Data.SyntheticGrammar;

namespace Reproduction.Data;

/// <summary>
/// A learnable, CoLA-shaped synthetic task: English-like sentences from the small grammar of
/// <see cref="SyntheticGrammar"/> (54 words), labelled acceptable, and unacceptable variants made from an acceptable
/// sentence by exactly one rule. Output is a function of <see cref="SyntheticColaOptions"/> alone: the only randomness
/// is a <see cref="SplitMix64"/> seeded with <see cref="SyntheticColaOptions.Seed"/>, so a seed gives the same data on
/// every .NET version and platform.
/// <para><b>Acceptable sentences.</b> Subject NP (determiner agreeing with the noun, an adjective with probability
/// <see cref="SyntheticColaOptions.AdjectiveProbability"/>, an animate noun, singular or plural with equal odds), then a
/// verb phrase in one of three equally likely forms: a finite verb agreeing with the subject ("The dog sleeps."),
/// a modal plus the base form ("The dogs can sleep."), or is/are plus the -ing form ("The dogs are sleeping.").
/// Transitive verbs (half of the picks) take an object NP ("A girl carries the big basket."); intransitive ones never do.</para>
/// <para><b>Unacceptable variants</b> (rule drawn uniformly from <see cref="SyntheticColaOptions.Rules"/>; a source
/// sentence the rule cannot apply to is redrawn):</para>
/// <list type="bullet">
/// <item><see cref="SyntheticRule.SubjectVerbAgreement"/>: the finite verb or is/are takes the other number ("The dog sleep.", "The dogs is sleeping."); one word changes. Not for modals.</item>
/// <item><see cref="SyntheticRule.DeterminerNounAgreement"/>: the determiner of the subject or object NP is replaced by one of the wrong number ("These dog sleeps.", "A cat holds a balls."); one word changes.</item>
/// <item><see cref="SyntheticRule.WordOrderSwap"/>: two adjacent words of different categories swap: determiner/next word, adjective/noun, subject noun/verb or auxiliary, auxiliary/verb, or verb/object determiner ("The sleeps dog."); nothing else changes.</item>
/// <item><see cref="SyntheticRule.MissingArgument"/>: the object NP of a transitive verb, or the subject NP, is deleted ("The boy carries.", "Can sleep.").</item>
/// <item><see cref="SyntheticRule.ExtraArgument"/>: an intransitive verb gets an object NP at the end ("The dog sleeps the ball.").</item>
/// <item><see cref="SyntheticRule.WrongAuxiliary"/>: a modal becomes is/are (agreeing), or is/are becomes a modal, so the auxiliary no longer fits the verb form ("The dog is sleep.", "The dogs can sleeping."); one word changes.</item>
/// </list>
/// <para>Labels: each split has exactly <see cref="SyntheticColaOptions.AcceptableCount"/> acceptable examples, in a
/// shuffled order. Every sentence occurs once across train and test, so no sentence carries both labels and test
/// sentences are unseen in training. Examples carry source <c>syn</c> or <c>syn-{rule}</c>, mark <c>*</c> when
/// unacceptable, and their 1-based position in the split as the line.</para>
/// </summary>
public static class SyntheticColaGenerator
{
    private const int MaxTriesPerSentence = 10_000;

    private static readonly Noun[] AnimateNouns = Nouns.Where(n => n.Animate).ToArray();
    private static readonly Noun[] AllNouns = Nouns.ToArray();
    private static readonly string[] SingularNpDeterminers = NeutralDeterminers.Concat(SingularDeterminers).ToArray();
    private static readonly string[] PluralNpDeterminers = NeutralDeterminers.Concat(PluralDeterminers).ToArray();

    private enum AuxKind { None, Modal, Progressive }

    private sealed record NounPhrase(string Determiner, string? Adjective, Noun Noun, bool Plural)
    {
        public string[] Words => Adjective is null
            ? [Determiner, Plural ? Noun.Plural : Noun.Singular]
            : [Determiner, Adjective, Plural ? Noun.Plural : Noun.Singular];
    }

    private sealed record Clause(NounPhrase Subject, AuxKind Aux, string? Auxiliary, Verb Verb, NounPhrase? Object)
    {
        public int AuxIndex => Subject.Words.Length;                                  // valid when Aux != None
        public int VerbIndex => Subject.Words.Length + (Aux == AuxKind.None ? 0 : 1);

        public string VerbForm => Aux switch
        {
            AuxKind.Modal => Verb.Base,
            AuxKind.Progressive => Verb.Ing,
            _ => Subject.Plural ? Verb.Base : Verb.ThirdSingular,
        };

        public List<string> Words()
        {
            var words = new List<string>(Subject.Words);
            if (Auxiliary is not null) words.Add(Auxiliary);
            words.Add(VerbForm);
            if (Object is not null) words.AddRange(Object.Words);
            return words;
        }
    }

    public static SyntheticColaDataset Generate(SyntheticColaOptions options) => Generate(options, MaxTriesPerSentence);

    /// <summary>As <see cref="Generate(SyntheticColaOptions)"/>, with the give-up limit lowered (for tests).</summary>
    internal static SyntheticColaDataset Generate(SyntheticColaOptions options, int maxTriesPerSentence)
    {
        var rng = new SplitMix64(options.Seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var train = GenerateSplit(options, options.TrainSize, rng, seen, maxTriesPerSentence);
        var test = GenerateSplit(options, options.TestSize, rng, seen, maxTriesPerSentence);
        return new SyntheticColaDataset(options, train, test);
    }

    private static SyntheticColaExample[] GenerateSplit(SyntheticColaOptions options, int size, SplitMix64 rng, HashSet<string> seen, int maxTries)
    {
        var acceptable = new bool[size];
        int acceptableCount = options.AcceptableCount(size);
        for (int i = 0; i < acceptableCount; i++) acceptable[i] = true;
        rng.Shuffle(acceptable);

        var examples = new SyntheticColaExample[size];
        for (int i = 0; i < size; i++)
        {
            for (int tries = 0; ; tries++)
            {
                if (tries == maxTries)
                    throw new ReproException($"synthetic data: no new sentence found after {maxTries} tries at sentence {seen.Count + 1} (asked for more sentences than the grammar and options allow?)");
                var candidate = acceptable[i] ? MakeAcceptable(options, rng) : MakeUnacceptable(options, rng);
                if (!seen.Add(candidate.Sentence)) continue;
                var source = candidate.Rule == SyntheticRule.None ? "syn" : "syn-" + Kebab(candidate.Rule);
                var example = new ColaExample(source, acceptable[i] ? ColaExample.Acceptable : ColaExample.Unacceptable,
                    acceptable[i] ? "" : "*", candidate.Sentence, i + 1);
                examples[i] = new SyntheticColaExample(example, candidate.Rule, candidate.AcceptableSource);
                break;
            }
        }
        return examples;
    }

    private sealed record Candidate(string Sentence, SyntheticRule Rule, string AcceptableSource);

    private static Candidate MakeAcceptable(SyntheticColaOptions options, SplitMix64 rng)
    {
        var sentence = Render(RandomClause(options, rng).Words());
        return new Candidate(sentence, SyntheticRule.None, sentence);
    }

    private static Candidate MakeUnacceptable(SyntheticColaOptions options, SplitMix64 rng)
    {
        var rule = rng.Pick(options.Rules);
        while (true)
        {
            var clause = RandomClause(options, rng);
            var broken = Apply(rule, clause, options, rng);
            if (broken is not null) return new Candidate(Render(broken), rule, Render(clause.Words()));
        }
    }

    private static Clause RandomClause(SyntheticColaOptions options, SplitMix64 rng)
    {
        var subject = RandomNounPhrase(options, rng, animateOnly: true);
        var aux = (AuxKind)rng.NextInt(3);
        string? auxiliary = aux switch
        {
            AuxKind.Modal => rng.Pick(Modals),
            AuxKind.Progressive => subject.Plural ? PluralBe : SingularBe,
            _ => null,
        };
        var verb = rng.Pick(Verbs);
        var obj = verb.Transitive ? RandomNounPhrase(options, rng, animateOnly: false) : null;
        return new Clause(subject, aux, auxiliary, verb, obj);
    }

    private static NounPhrase RandomNounPhrase(SyntheticColaOptions options, SplitMix64 rng, bool animateOnly)
    {
        var noun = rng.Pick(animateOnly ? AnimateNouns : AllNouns);
        bool plural = rng.NextBool(0.5);
        var determiner = rng.Pick(plural ? PluralNpDeterminers : SingularNpDeterminers);
        var adjective = rng.NextBool(options.AdjectiveProbability) ? rng.Pick(Adjectives) : null;
        return new NounPhrase(determiner, adjective, noun, plural);
    }

    /// <summary>The words of <paramref name="clause"/> broken by <paramref name="rule"/>, or null when the rule does not apply.</summary>
    private static List<string>? Apply(SyntheticRule rule, Clause clause, SyntheticColaOptions options, SplitMix64 rng)
    {
        var words = clause.Words();
        switch (rule)
        {
            case SyntheticRule.SubjectVerbAgreement:
                if (clause.Aux == AuxKind.Modal) return null;
                if (clause.Aux == AuxKind.Progressive)
                    words[clause.AuxIndex] = clause.Subject.Plural ? SingularBe : PluralBe;
                else
                    words[clause.VerbIndex] = clause.Subject.Plural ? clause.Verb.ThirdSingular : clause.Verb.Base;
                return words;

            case SyntheticRule.DeterminerNounAgreement:
            {
                bool onObject = clause.Object is not null && rng.NextBool(0.5);
                var np = onObject ? clause.Object! : clause.Subject;
                int at = onObject ? clause.VerbIndex + 1 : 0;
                words[at] = np.Plural ? rng.Pick(SingularDeterminers) : rng.Pick(PluralDeterminers);
                return words;
            }

            case SyntheticRule.WordOrderSwap:
            {
                var starts = new List<int> { 0 };                                     // determiner / next word
                if (clause.Subject.Adjective is not null) starts.Add(1);            // adjective / noun
                starts.Add(clause.Subject.Words.Length - 1);                         // subject noun / aux or verb
                if (clause.Aux != AuxKind.None) starts.Add(clause.AuxIndex);        // aux / verb
                if (clause.Object is not null) starts.Add(clause.VerbIndex);        // verb / object determiner
                int s = rng.Pick(starts);
                (words[s], words[s + 1]) = (words[s + 1], words[s]);
                return words;
            }

            case SyntheticRule.MissingArgument:
                if (clause.Object is not null && rng.NextBool(0.5))
                    words.RemoveRange(clause.VerbIndex + 1, clause.Object.Words.Length);
                else
                    words.RemoveRange(0, clause.Subject.Words.Length);
                return words;

            case SyntheticRule.ExtraArgument:
                if (clause.Verb.Transitive) return null;
                words.AddRange(RandomNounPhrase(options, rng, animateOnly: false).Words);
                return words;

            case SyntheticRule.WrongAuxiliary:
                if (clause.Aux == AuxKind.None) return null;
                words[clause.AuxIndex] = clause.Aux == AuxKind.Modal
                    ? (clause.Subject.Plural ? PluralBe : SingularBe)
                    : rng.Pick(Modals);
                return words;

            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule, "not an error rule");
        }
    }

    private static string Render(List<string> words) =>
        char.ToUpperInvariant(words[0][0]) + words[0][1..] + (words.Count > 1 ? " " + string.Join(' ', words.Skip(1)) : "") + ".";

    /// <summary>A rule by its kebab-case name (as in an example's source, without "syn-"), e.g. "word-order-swap".</summary>
    public static SyntheticRule RuleNamed(string name) =>
        SyntheticColaOptions.AllRules.FirstOrDefault(r => Kebab(r) == name) is var rule && rule != SyntheticRule.None
            ? rule
            : throw new ReproException($"synthetic data: unknown rule '{name}' (known: {string.Join(", ", SyntheticColaOptions.AllRules.Select(Kebab))})");

    public static string Kebab(SyntheticRule rule) =>
        string.Concat(rule.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
