namespace Reproduction.Data;

/// <summary>
/// The small English grammar behind <see cref="SyntheticColaGenerator"/>: its lexicon (54 lower-case words) and a
/// recognizer that decides whether a sentence belongs to the grammar. The recognizer is written independently of the
/// generator so tests can check that every acceptable sentence is in the language and every broken one is not.
/// <code>
/// S    → NP VP "."                    (first letter upper-case, words separated by one space)
/// NP   → Det [Adj] Noun               a, this: singular; these: plural; the: either
/// VP   → Vfin [NP]                    Vfin agrees with the subject: sleeps (sg) / sleep (pl)
///      | Modal Vbase [NP]             can, will (no agreement)
///      | Be Ving [NP]                 is (sg) / are (pl)
///                                     [NP] is required for a transitive verb, forbidden for an intransitive one
/// </code>
/// </summary>
public static class SyntheticGrammar
{
    public sealed record Noun(string Singular, string Plural, bool Animate);

    public sealed record Verb(string Base, string ThirdSingular, string Ing, bool Transitive);

    public static IReadOnlyList<string> SingularDeterminers { get; } = ["a", "this"];
    public static IReadOnlyList<string> PluralDeterminers { get; } = ["these"];
    public static IReadOnlyList<string> NeutralDeterminers { get; } = ["the"];
    public static IReadOnlyList<string> Adjectives { get; } = ["big", "small", "happy", "tired"];
    public static IReadOnlyList<string> Modals { get; } = ["can", "will"];
    public const string SingularBe = "is";
    public const string PluralBe = "are";

    /// <summary>Animate nouns can be subjects; every noun can be an object. All start with a consonant, so "a" is always right.</summary>
    public static IReadOnlyList<Noun> Nouns { get; } =
    [
        new("dog", "dogs", true), new("cat", "cats", true), new("bird", "birds", true),
        new("boy", "boys", true), new("girl", "girls", true), new("farmer", "farmers", true),
        new("ball", "balls", false), new("book", "books", false), new("basket", "baskets", false),
    ];

    /// <summary>Intransitive verbs never take an object; transitive ones always need one.</summary>
    public static IReadOnlyList<Verb> Verbs { get; } =
    [
        new("sleep", "sleeps", "sleeping", false), new("arrive", "arrives", "arriving", false),
        new("smile", "smiles", "smiling", false), new("laugh", "laughs", "laughing", false),
        new("carry", "carries", "carrying", true), new("hold", "holds", "holding", true),
        new("find", "finds", "finding", true), new("bring", "brings", "bringing", true),
    ];

    /// <summary>Every lower-case word the grammar (and so the generator) uses, without the final ".".</summary>
    public static IReadOnlySet<string> Vocabulary { get; } = new SortedSet<string>(
        SingularDeterminers.Concat(PluralDeterminers).Concat(NeutralDeterminers).Concat(Adjectives).Concat(Modals)
            .Concat([SingularBe, PluralBe])
            .Concat(Nouns.SelectMany(n => new[] { n.Singular, n.Plural }))
            .Concat(Verbs.SelectMany(v => new[] { v.Base, v.ThirdSingular, v.Ing })),
        StringComparer.Ordinal);

    /// <summary>True when <paramref name="sentence"/> is in the grammar's language (spelling and spacing included).</summary>
    public static bool IsGrammatical(string sentence)
    {
        if (sentence.Length < 2 || sentence[^1] != '.') return false;
        var words = sentence[..^1].Split(' ');
        if (words.Any(w => w.Length == 0) || !char.IsUpper(words[0][0])) return false;
        words[0] = char.ToLowerInvariant(words[0][0]) + words[0][1..];
        if (words.Any(w => !Vocabulary.Contains(w))) return false;

        int i = 0;
        if (!TryNounPhrase(words, ref i, out bool plural) || i >= words.Length) return false;
        var head = words[i++];
        Verb? verb;
        if (Modals.Contains(head))
        {
            verb = i < words.Length ? Verbs.FirstOrDefault(v => v.Base == words[i]) : null;
            i++;
        }
        else if (head == SingularBe || head == PluralBe)
        {
            if ((head == PluralBe) != plural) return false;
            verb = i < words.Length ? Verbs.FirstOrDefault(v => v.Ing == words[i]) : null;
            i++;
        }
        else
        {
            verb = Verbs.FirstOrDefault(v => plural ? v.Base == head : v.ThirdSingular == head);
        }
        if (verb is null) return false;
        if (verb.Transitive && !TryNounPhrase(words, ref i, out _)) return false;
        return i == words.Length;
    }

    private static bool TryNounPhrase(string[] words, ref int i, out bool plural)
    {
        plural = false;
        if (i >= words.Length) return false;
        var det = words[i];
        bool sg = SingularDeterminers.Contains(det), pl = PluralDeterminers.Contains(det), any = NeutralDeterminers.Contains(det);
        if (!sg && !pl && !any) return false;
        int j = i + 1;
        if (j < words.Length && Adjectives.Contains(words[j])) j++;
        if (j >= words.Length) return false;
        var noun = words[j];
        if (Nouns.Any(n => n.Singular == noun)) plural = false;
        else if (Nouns.Any(n => n.Plural == noun)) plural = true;
        else return false;
        if ((sg && plural) || (pl && !plural)) return false;
        i = j + 1;
        return true;
    }
}
