using Reproduction.Experiments;
using Reproduction.Reporting;

namespace Repro.Tests.Study;

/// <summary>`repro frontier` on the tiny-smoke preset: both paths in the (Δ reward, Δ CE) plane, and tracking does not disturb the run.</summary>
public sealed class FrontierTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-frontier-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Each_pipeline_gets_per_seed_and_mean_paths_from_its_second_stage_and_the_main_curves_are_unchanged()
    {
        var report = new StudyRunner(StudyPreset.Load("tiny-smoke"), _dir, [1], _ => { }) { TrackAll = true }.Run();
        Frontier.Write(report, _dir);
        Assert.True(File.Exists(Path.Combine(_dir, Frontier.PngFile)));
        var paths = Frontier.Paths(report);
        foreach (var pipeline in new[] { PaperClaim.SftThenRl, PaperClaim.RlThenSft })
        {
            Assert.Single(paths, p => p.Pipeline == pipeline && p.Seed == 1);
            var mean = Assert.Single(paths, p => p.Pipeline == pipeline && p.Seed is null);
            Assert.Equal((0.0, 0.0), (mean.Points[0].DeltaReward, mean.Points[0].DeltaCe));       // measured from the stage's start
            Assert.True(mean.Points.Count >= 3);
        }
        // The extra evaluations use their own sampling seeds and change no model: the main curves equal a run without them.
        var plain = new StudyRunner(StudyPreset.Load("tiny-smoke"), Path.Combine(_dir, "plain"), [1], _ => { }).Run();
        foreach (var (pipeline, metric) in new[] { (PaperClaim.SftThenRl, StudyRunner.CeMetric), (PaperClaim.RlThenSft, StudyRunner.RobustMetric) })
            Assert.Equal(plain.Pipeline(pipeline).CurvesOf(metric)[0].Points, report.Pipeline(pipeline).CurvesOf(metric)[0].Points);
    }

    [Fact]
    public void A_run_without_both_metrics_in_both_pipelines_is_refused_with_a_hint()
    {
        var e = Assert.Throws<Reproduction.ReproException>(() => Frontier.Paths(Gating.SyntheticRuns.Make()));
        Assert.Contains("repro frontier", e.Message);
    }
}
