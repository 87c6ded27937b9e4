using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction;
using Reproduction.Data;
using Snapshooter.Xunit3;

namespace Repro.Tests.Data;

/// <summary>The synthetic CoLA-style task: deterministic, balanced as asked, and every unacceptable sentence broken by exactly its rule.</summary>
public sealed class SyntheticColaGeneratorTests
{
    private static readonly SyntheticColaDataset Default = SyntheticColaGenerator.Generate(new SyntheticColaOptions(seed: 42));

    private static IEnumerable<SyntheticColaExample> All(SyntheticColaDataset d) => d.Train.Concat(d.Test);

    /// <summary>Lower-cased words without the final period: an independent view of a sentence for the rule checks.</summary>
    private static string[] Words(string sentence)
    {
        Assert.EndsWith(".", sentence);
        return sentence[..^1].ToLowerInvariant().Split(' ');
    }

    [Fact]
    public void The_same_seed_gives_the_same_data_and_another_seed_different_data()
    {
        var again = SyntheticColaGenerator.Generate(new SyntheticColaOptions(seed: 42));
        Assert.Equal(Default.Train, again.Train);
        Assert.Equal(Default.Test, again.Test);
        var other = SyntheticColaGenerator.Generate(new SyntheticColaOptions(seed: 43));
        Assert.NotEqual(Default.Train.Select(e => e.Example.Sentence), other.Train.Select(e => e.Example.Sentence));
    }

    [Fact]
    public void The_first_examples_of_seed_42_are_pinned_so_a_seed_means_the_same_data_on_every_runtime()
    {
        Snapshot.Match(Default.Train.Take(12).Concat(Default.Test.Take(4)).Select(e => new { e.Example.Label, e.Example.Sentence, Rule = e.Rule.ToString(), e.AcceptableSource }));
    }

    [Fact]
    public void Defaults_are_2000_train_300_test_at_CoLA_s_70_percent_acceptable()
    {
        Assert.Equal((2000, 300), (Default.Train.Count, Default.Test.Count));
        Assert.Equal(1400, Default.Train.Count(e => e.Example.Label == 1));
        Assert.Equal(210, Default.Test.Count(e => e.Example.Label == 1));
        Assert.Equal(Enumerable.Range(1, 2000), Default.Train.Select(e => e.Example.Line));
    }

    [Property(MaxTest = 25)]
    public bool Label_balance_is_the_configured_fraction_within_rounding(ulong seed, byte size, byte percent)
    {
        int n = 1 + size % 120;
        double fraction = (percent % 101) / 100.0;
        var data = SyntheticColaGenerator.Generate(new SyntheticColaOptions(seed, trainSize: n, testSize: 0, acceptableFraction: fraction));
        double actual = data.Train.Count(e => e.Example.IsAcceptable) / (double)n;
        return Math.Abs(actual - fraction) <= 0.5 / n + 1e-12;
    }

    [Fact]
    public void Labels_are_shuffled_not_blocked()
    {
        var firstHundred = Default.Train.Take(100).Count(e => e.Example.IsAcceptable);
        Assert.InRange(firstHundred, 55, 85);
    }

    [Fact]
    public void Every_acceptable_sentence_is_in_the_grammar_and_every_unacceptable_one_is_not()
    {
        foreach (var e in All(Default))
        {
            Assert.True(SyntheticGrammar.IsGrammatical(e.AcceptableSource), e.AcceptableSource);
            Assert.Equal(e.Example.IsAcceptable, SyntheticGrammar.IsGrammatical(e.Example.Sentence));
        }
    }

    [Fact]
    public void No_sentence_occurs_twice_so_none_has_both_labels_and_test_sentences_are_unseen()
    {
        var sentences = All(Default).Select(e => e.Example.Sentence).ToList();
        Assert.Equal(sentences.Count, sentences.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(Default.Train.Select(e => e.Example.Sentence).Intersect(Default.Test.Select(e => e.Example.Sentence)));
    }

    [Fact]
    public void Each_unacceptable_sentence_differs_from_its_acceptable_source_exactly_by_its_rule()
    {
        string[] determiners = ["the", "a", "this", "these"];
        string[] modals = ["can", "will"], be = ["is", "are"];
        foreach (var e in All(Default))
        {
            var src = Words(e.AcceptableSource);
            var bad = Words(e.Example.Sentence);
            var diff = src.Length == bad.Length ? Enumerable.Range(0, src.Length).Where(i => src[i] != bad[i]).ToArray() : null;
            var because = $"{e.Rule}: '{e.AcceptableSource}' -> '{e.Example.Sentence}'";
            switch (e.Rule)
            {
                case SyntheticRule.None:
                    Assert.True(e.Example.IsAcceptable, because);
                    Assert.Equal(e.AcceptableSource, e.Example.Sentence);
                    Assert.Equal(("syn", ""), (e.Example.Source, e.Example.OriginalMark));
                    continue;
                case SyntheticRule.SubjectVerbAgreement:
                {
                    Assert.True(diff is [_], because);
                    var (a, b) = (src[diff![0]], bad[diff[0]]);
                    Assert.True(be.Contains(a) && be.Contains(b) || a + "s" == b || b + "s" == a || a[..^1] + "ies" == b || b[..^1] + "ies" == a, because);
                    break;
                }
                case SyntheticRule.DeterminerNounAgreement:
                    Assert.True(diff is [_] && determiners.Contains(src[diff[0]]) && determiners.Contains(bad[diff[0]]), because);
                    break;
                case SyntheticRule.WordOrderSwap:
                    Assert.True(diff is [var i, var j] && j == i + 1 && src[i] == bad[j] && src[j] == bad[i], because);
                    break;
                case SyntheticRule.MissingArgument:
                    Assert.True(IsSpliceOf(bad, src), because);
                    break;
                case SyntheticRule.ExtraArgument:
                    Assert.True(IsSpliceOf(src, bad) && src.SequenceEqual(bad.Take(src.Length)), because);
                    break;
                case SyntheticRule.WrongAuxiliary:
                    Assert.True(diff is [_], because);
                    Assert.True(modals.Contains(src[diff![0]]) && be.Contains(bad[diff[0]]) || be.Contains(src[diff[0]]) && modals.Contains(bad[diff[0]]), because);
                    break;
            }
            Assert.False(e.Example.IsAcceptable, because);
            Assert.Equal("*", e.Example.OriginalMark);
            Assert.StartsWith("syn-", e.Example.Source);
        }
    }

    /// <summary>True when <paramref name="shorter"/> is <paramref name="longer"/> with one contiguous noun phrase (2 or 3 words) cut out.</summary>
    private static bool IsSpliceOf(string[] shorter, string[] longer)
    {
        int cut = longer.Length - shorter.Length;
        if (cut is not (2 or 3)) return false;
        for (int at = 0; at + cut <= longer.Length; at++)
            if (longer.Take(at).Concat(longer.Skip(at + cut)).SequenceEqual(shorter) && new[] { "the", "a", "this", "these" }.Contains(longer[at]))
                return true;
        return false;
    }

    [Fact]
    public void Every_rule_is_used_and_roughly_equally()
    {
        var counts = All(Default).Where(e => e.Rule != SyntheticRule.None).CountBy(e => e.Rule).ToDictionary();
        Assert.Equal(SyntheticColaOptions.AllRules.Order(), counts.Keys.Order());
        Assert.All(counts.Values, c => Assert.InRange(c, 80, 150));   // 690 unacceptable / 6 rules = 115
    }

    [Fact]
    public void The_rules_can_be_restricted()
    {
        var data = SyntheticColaGenerator.Generate(new SyntheticColaOptions(1, 200, 0, rules: [SyntheticRule.WordOrderSwap]));
        Assert.All(data.Train.Where(e => !e.Example.IsAcceptable), e => Assert.Equal(SyntheticRule.WordOrderSwap, e.Rule));
        Assert.All(data.Train.Where(e => !e.Example.IsAcceptable), e => Assert.Equal("syn-word-order-swap", e.Example.Source));
    }

    [Fact]
    public void The_vocabulary_is_small_and_every_generated_word_is_in_it()
    {
        Assert.Equal(54, SyntheticGrammar.Vocabulary.Count);
        var used = All(Default).SelectMany(e => Words(e.Example.Sentence)).ToHashSet();
        Assert.Subset(SyntheticGrammar.Vocabulary.ToHashSet(), used);
    }

    [Fact]
    public void Synthetic_examples_format_like_real_ones()
    {
        var e = Default.Train.First(x => !x.Example.IsAcceptable).Example;
        var messages = ColaTaskFormatter.ColaRl.SftMessages(e);
        Assert.Contains($"Sentence: {e.Sentence}\n", messages[0].Content);
        Assert.Equal("<think>\n\n</think>\n\nunacceptable", messages[1].Content);
    }

    [Theory]
    [InlineData(-1, 10, 0.7)]
    [InlineData(0, 0, 0.7)]
    [InlineData(10, 10, 1.5)]
    [InlineData(10, 10, double.NaN)]
    public void Bad_options_are_refused_at_construction(int train, int test, double fraction)
    {
        Assert.Throws<ReproException>(() => new SyntheticColaOptions(1, train, test, fraction));
    }

    [Fact]
    public void Running_out_of_new_sentences_is_a_clear_error_not_a_hang()
    {
        // With one try per sentence, the first repeat (birthday bound: after a few hundred sentences) already gives up.
        var options = new SyntheticColaOptions(1, 100_000, 0);
        var e = Assert.Throws<ReproException>(() => SyntheticColaGenerator.Generate(options, maxTriesPerSentence: 1));
        Assert.Contains("no new sentence found after 1 tries", e.Message);
    }
}
