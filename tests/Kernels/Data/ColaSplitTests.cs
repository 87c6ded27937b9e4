using Reproduction;
using Reproduction.Data;

namespace Repro.Tests.Data;

/// <summary>The paper's splits (train = in_domain_train, test = in_domain_dev) against the real release files.</summary>
public sealed class ColaSplitTests
{
    [Fact]
    public void The_paper_trains_on_in_domain_train_and_tests_on_in_domain_dev()
    {
        Assert.Equal(ColaSplit.InDomainTrain, ColaSplitInfo.PaperTrain);
        Assert.Equal(ColaSplit.InDomainDev, ColaSplitInfo.PaperTest);
    }

    [Theory]
    [InlineData(ColaSplit.InDomainTrain, 8551, 6023, 2528)]
    [InlineData(ColaSplit.InDomainDev, 527, 365, 162)]
    [InlineData(ColaSplit.OutOfDomainDev, 516, 354, 162)]
    public void Each_release_file_has_the_documented_rows_and_labels_raw_and_tokenized(ColaSplit split, int rows, int acceptable, int unacceptable)
    {
        var info = ColaSplitInfo.For(split);
        Assert.Equal((rows, acceptable, unacceptable), (info.Rows, info.Acceptable, info.Unacceptable));
        var release = SharedData.Require("data", "cola");
        foreach (var tokenized in new[] { false, true })
        {
            var examples = ColaLoader.LoadRelease(release, split, tokenized).Examples;
            Assert.Equal(rows, examples.Count);
            Assert.Equal(acceptable, examples.Count(e => e.Label == 1));
            Assert.Equal(unacceptable, examples.Count(e => e.Label == 0));
            Assert.Equal(Enumerable.Range(1, rows), examples.Select(e => e.Line));
        }
    }

    [Fact]
    public void The_shipped_copy_gives_the_same_rows_as_the_reference_release()
    {
        var release = SharedData.Require("data", "cola");
        foreach (var info in ColaSplitInfo.All)
            Assert.Equal(ColaLoader.LoadRelease(release, info.Split).Examples, ColaDataset.LoadDefault(info.Split));
    }

    [Fact]
    public void The_first_rows_and_the_documented_quirks_are_read_verbatim()
    {
        var train = ColaDataset.PaperTrain();
        Assert.Equal(new ColaExample("gj04", 1, "", "Our friends won't buy this analysis, let alone the next one we propose.", 1), train[0]);
        Assert.Contains(train, e => e is { Source: "r-67", Label: 0, OriginalMark: "", Sentence: "That he ever went there alone is certain." });
        Assert.Equal(17, train.Count(e => e.Sentence.Any(c => c > 127)));
        Assert.Equal("The sailors rode the breeze clear of the rocks.", ColaDataset.PaperTest()[0].Sentence);
        var ood = ColaDataset.LoadDefault(ColaSplit.OutOfDomainDev);
        Assert.Contains(ood, e => e is { Source: "s_97", Label: 1, OriginalMark: " ", Sentence: "Who always drinks milk?" });
    }
}
