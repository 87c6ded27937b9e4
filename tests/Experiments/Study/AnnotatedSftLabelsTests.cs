using Reproduction.Data;
using Reproduction.Experiments;

namespace Repro.Tests.Study;

/// <summary>
/// The SFT data as annotators label it (sft_data.label_accuracy p): each sentence's label agrees with the grammar with
/// probability p, fixed per sentence, in the train and the test split alike; the RL prompts keep the truth, which the
/// reward checks. The SFT test split is what the SFT-test cross-entropy and the mechanism table's rise are measured on.
/// </summary>
public sealed class AnnotatedSftLabelsTests
{
    private static readonly SyntheticColaDataset Data = SyntheticColaGenerator.Generate(new SyntheticColaOptions(42));

    private static int Flipped(IReadOnlyList<ColaExample> truth, IReadOnlyList<ColaExample> labelled) =>
        truth.Zip(labelled, (t, l) => t.Label != l.Label ? 1 : 0).Sum();

    [Theory]
    [InlineData("train", 0.85)]
    [InlineData("test", 0.85)]
    [InlineData("train", 0.6)]
    public void Each_split_flips_one_minus_p_of_its_labels_within_a_binomial_99_9_percent_band_and_nothing_else(string split, double p)
    {
        var truth = split == "train" ? Data.TrainExamples : Data.TestExamples;
        var labelled = StudyContext.SftLabelled(truth, new SftDataSpec { LabelAccuracy = p }, split);
        int n = truth.Count, flipped = Flipped(truth, labelled);
        double mean = n * (1 - p), sd = Math.Sqrt(n * p * (1 - p));
        Assert.InRange(flipped, mean - 3.3 * sd, mean + 3.3 * sd);
        Assert.Equal(truth.Select(e => e with { Label = 0 }), labelled.Select(e => e with { Label = 0 }));   // only labels change
    }

    [Fact]
    public void The_labels_are_fixed_per_sentence_and_the_two_splits_draw_from_their_own_streams()
    {
        var spec = new SftDataSpec { LabelAccuracy = 0.85 };
        var first = StudyContext.SftLabelled(Data.TrainExamples, spec, "train");
        Assert.Equal(first, StudyContext.SftLabelled(Data.TrainExamples, spec, "train"));
        var asTest = StudyContext.SftLabelled(Data.TrainExamples, spec, "test");
        Assert.NotEqual(first.Select(e => e.Label), asTest.Select(e => e.Label));
    }

    [Fact]
    public void At_label_accuracy_1_the_SFT_data_is_the_truth()
    {
        Assert.Equal(Data.TestExamples, StudyContext.SftLabelled(Data.TestExamples, new SftDataSpec(), "test"));
    }

    [Fact]
    public void The_study_context_gives_SFT_train_test_and_demonstrations_the_annotated_labels_and_RL_the_true_ones()
    {
        var preset = StudyPreset.Load("tiny-smoke");
        Assert.True(preset.SftData.LabelAccuracy < 1, "the tiny testbed's SFT data is annotated");
        var ctx = new StudyContext(preset, Directory.CreateTempSubdirectory("repro-annotated-").FullName, null, _ => { });
        var (sftTrain, sftTest) = StudyContext.SftSplits(preset, ctx.Train, ctx.Test);                  // what `repro sft --preset` trains on
        Assert.Equal(sftTrain, ctx.SftTrainExamples);
        Assert.Equal(sftTest, ctx.SftTestExamples);
        Assert.Equal(StudyContext.SftLabelled(ctx.Train, preset.SftData, "train"), ctx.SftTrainExamples);
        Assert.Equal(ctx.SftTrainExamples.Select(ctx.SftExampleOf).Select(x => x.CompletionIds), ctx.SftTrain.Select(x => x.CompletionIds));
        Assert.Equal(ctx.SftTestExamples.Select(ctx.SftExampleOf).Select(x => x.CompletionIds), ctx.SftTest.Select(x => x.CompletionIds));
        Assert.True(Flipped(ctx.Test.Take(ctx.SftTestExamples.Count).ToList(), ctx.SftTestExamples) > 0, "the SFT test targets carry the annotators' disagreement");
        Assert.Equal(ctx.Train.Select(e => ctx.Encoder.Formatter.GroundTruth(e)), ctx.RlTrain.Select(x => x.Label));
    }

    [Fact]
    public void The_theory_bridge_takes_p_D_from_the_SFT_data_and_the_reward_label_from_the_grammar()
    {
        var preset = StudyPreset.Load("tiny-smoke");
        var ctx = new StudyContext(preset, Directory.CreateTempSubdirectory("repro-annotated-").FullName, new BridgeOptions { Prompts = 100 }, _ => { });
        var sftTestSet = ctx.BridgeSets(1).Single(s => s.Name == "sft-test");
        Assert.Equal(ctx.SftTest.Take(100).Select(x => x.CompletionIds), sftTestSet.Data.Select(x => x.CompletionIds));
        Assert.Equal(ctx.Test.Take(100).Select(e => ctx.Encoder.Formatter.GroundTruth(e)), sftTestSet.Prompts.Select(p => p.Label));
        var rlTrainSet = ctx.BridgeSets(1).Single(s => s.Name == "rl-train");
        var index = ctx.Train.Select((e, i) => (Key: string.Join(",", ctx.Encoder.Rl(e).PromptIds), i)).GroupBy(x => x.Key).ToDictionary(g => g.Key, g => g.First().i);
        var rows = rlTrainSet.Data.Select(d => index[string.Join(",", d.PromptIds)]).ToList();
        Assert.Equal(rows.Select(i => ctx.Encoder.Sft(ctx.SftTrainExamples[i]).CompletionIds), rlTrainSet.Data.Select(d => d.CompletionIds));
        Assert.Contains(rows, i => ctx.SftTrainExamples[i].Label != ctx.Train[i].Label);
    }

    [Theory]
    [InlineData("""{ "label_accuracy": 0.5 }""", "label_accuracy: must be in (0.5, 1]")]
    [InlineData("""{ "label_accuracy": 1.2 }""", "label_accuracy: must be in (0.5, 1]")]
    [InlineData("""{ "labels": "prior", "label_accuracy": 0.9 }""", "with labels 'prior'")]
    public void A_label_accuracy_that_is_not_a_majority_truth_or_that_meets_prior_labels_is_refused_naming_the_file(string sftData, string problem)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("repro-preset-").FullName, "bad.json");
        File.WriteAllText(path, $$"""{ "name": "bad", "sft_data": {{sftData}} }""");
        var e = Assert.Throws<Reproduction.ReproException>(() => StudyPreset.Load(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(problem, e.Message);
    }
}
