using Reproduction.Experiments;
using Reproduction.Gating;
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
        // Recorded (tiny-smoke, seed 1): GRPO after SFT raised CE by 1.44 nats; SFT after GRPO lowered it by 1.99.
        Assert.True(paths.Single(p => p.Pipeline == PaperClaim.SftThenRl && p.Seed is null).Points[^1].DeltaCe > 0.5);
        Assert.True(paths.Single(p => p.Pipeline == PaperClaim.RlThenSft && p.Seed is null).Points[^1].DeltaCe < -0.5);

        // The extra evaluations use their own sampling seeds and change no model: the gated curves match the baseline.
        var baseline = Baseline.Load(Path.Combine(SharedData.RepoRoot, "baselines", "tiny-smoke-cpu.json"));
        Assert.All(Gate.Evaluate(report, baseline), c => Assert.True(c.Pass, $"{c.Check}: expected {c.Expected}, got {c.Actual}"));
    }

    [Fact]
    public void A_run_without_both_metrics_in_both_pipelines_is_refused_with_a_hint()
    {
        var e = Assert.Throws<Reproduction.ReproException>(() => Frontier.Paths(Gating.SyntheticRuns.Make()));
        Assert.Contains("repro frontier", e.Message);
    }
}
