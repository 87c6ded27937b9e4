using Reproduction.Cli;
using Reproduction.Gating;
using Reproduction.Reporting;

namespace Repro.Tests.Gating;

/// <summary>Run folders: report.json round trip, report.md in plain words, Fig. 3 PNGs, and the CLI verbs.</summary>
public sealed class ReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-report-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Non_finite_numbers_of_a_block_become_null_so_that_the_report_can_be_written()
    {
        // A random-weight dry run's label AUC is NaN; JSON has no NaN or infinity, and report.json failed to serialize.
        var block = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
        {
            ["auc"] = double.NaN, ["rows"] = new System.Text.Json.Nodes.JsonArray(1.5, double.PositiveInfinity), ["seed"] = 1,
        });
        var written = RunReport.NullNonFinite(block).ToJsonString();
        Assert.Equal("""[{"auc":null,"rows":[1.5,null],"seed":1}]""", written);
    }

    [Fact]
    public void Seed_statistics_use_the_student_t_interval()
    {
        var s = CurveStatistics.Of([1.0, 2.0, 3.0]);
        Assert.Equal(2.0, s.Mean, 12);
        Assert.Equal(1.0, s.StdDev, 12);
        Assert.Equal(4.302653 / Math.Sqrt(3), s.HalfWidth95, 6);
        Assert.Equal(0.0, CurveStatistics.Of([5.0]).HalfWidth95);
    }

    [Fact]
    public void The_report_says_observed_when_the_effect_appears_and_not_observed_when_it_does_not()
    {
        var observed = ReportMarkdown.Render(SyntheticRuns.Make());
        Assert.Contains("**Observed.** SFT-test cross-entropy after GRPO exceeds", observed);
        Assert.Contains("**Observed.** robust mean@1 after SFT falls below", observed);
        Assert.Contains("0.385", observed);

        var flipped = ReportMarkdown.Render(SyntheticRuns.Make(ceRise: -0.2, rewardDrop: 0.5));
        Assert.Contains("**Not observed.** SFT-test cross-entropy", flipped);
        Assert.Contains("**Not observed.** robust mean@1", flipped);
    }

    [Fact]
    public void Report_gate_and_baseline_verbs_work_on_a_run_folder()
    {
        var run = SyntheticRuns.Make();
        run.Save(_dir);
        Assert.Equal(run.Seeds, RunReport.Load(_dir).Seeds);

        Assert.Equal(0, ReproCli.Run(["report", "--run", _dir]));
        Assert.True(File.Exists(Path.Combine(_dir, ReportMarkdown.FileName)));
        foreach (var png in new[] { Figure3.FileA, Figure3.FileB })
        {
            var bytes = File.ReadAllBytes(Path.Combine(_dir, png));
            Assert.True(bytes.Length > 10_000, $"{png} is only {bytes.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }

        var baselinePath = Path.Combine(_dir, "baseline.json");
        Assert.Equal(0, ReproCli.Run(["baseline", "record", "--run", _dir, "--out", baselinePath]));
        var paper = Path.Combine(SharedData.RepoRoot, "baselines", "paper.json");
        Assert.Equal(0, ReproCli.Run(["gate", "--run", _dir, "--baseline", baselinePath, "--paper", paper]));

        var flippedDir = Path.Combine(_dir, "flipped");
        Directory.CreateDirectory(flippedDir);
        SyntheticRuns.Make(ceRise: -0.2).Save(flippedDir);
        Assert.Equal(1, ReproCli.Run(["gate", "--run", flippedDir, "--baseline", baselinePath]));
    }

    [Fact]
    public void A_missing_or_malformed_report_is_exit_code_2_naming_the_file()
    {
        Assert.Equal(2, ReproCli.Run(["gate", "--run", Path.Combine(_dir, "nope")]));
        File.WriteAllText(Path.Combine(_dir, RunReport.FileName), "{ not json");
        var e = Assert.Throws<Reproduction.ReproException>(() => RunReport.Load(_dir));
        Assert.Contains(RunReport.FileName, e.Message);
        Assert.Throws<Reproduction.ReproException>(() => Baseline.Load(Path.Combine(_dir, RunReport.FileName)));
    }
}
