using Reproduction.Experiments;
using Reproduction.Training;

namespace Repro.Tests.Training;

/// <summary>
/// The live display's state: each job's stage, steps and time left at its measured step rate, and the run's time left
/// at the mean time per finished job. The clock is a variable the test sets; every expected time is worked out by hand.
/// </summary>
public sealed class TrainingProgressTests
{
    private TimeSpan _now;
    private TrainingProgress Board() => new(() => _now);
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void A_stage_has_the_steps_left_times_the_seconds_per_step_measured_since_its_first_report()
    {
        var board = Board();
        using var installed = TrainingProgress.Use(board);
        _now = S(3);
        using var job = TrainingProgress.Enter("seed 2 · RL-then-SFT");
        _now = S(10);
        TrainingProgress.Step("grpo", 1, 60);                 // the first report: no rate yet (the set-up and first step are not measured)
        Assert.Null(board.Snapshot().Rows[0].StageLeft);
        _now = S(14);
        TrainingProgress.Step("grpo", 3, 60);                 // 2 steps in 4 s: 2 s per step; 57 steps left → 114 s
        var row = Assert.Single(board.Snapshot().Rows);
        Assert.Equal(("seed 2 · RL-then-SFT", "grpo", 3L, 60L), (row.Label, row.Stage, row.Done, row.Total));
        Assert.Equal(S(114), row.StageLeft);
        Assert.Equal(S(11), row.Elapsed);                    // 14 − 3
    }

    [Fact]
    public void A_new_stage_is_measured_from_its_own_first_report()
    {
        var board = Board();
        using var installed = TrainingProgress.Use(board);
        using var job = TrainingProgress.Enter("seed 1 · SFT-then-RL");
        _now = S(0);
        TrainingProgress.Step("sft", 1, 10);
        _now = S(9);
        TrainingProgress.Step("sft", 10, 10);                 // 1 s per SFT step
        _now = S(20);
        TrainingProgress.Step("grpo", 1, 5);
        Assert.Null(board.Snapshot().Rows[0].StageLeft);      // the SFT rate is not carried over
        _now = S(26);
        TrainingProgress.Step("grpo", 3, 5);                  // 3 s per GRPO step, 2 left → 6 s
        Assert.Equal(S(6), board.Snapshot().Rows[0].StageLeft);
        _now = S(30);
        TrainingProgress.Step("grpo", 1, 5);                  // the same name from step 1 again (the next base phase): a new stage
        Assert.Null(board.Snapshot().Rows[0].StageLeft);
    }

    [Fact]
    public void The_run_has_the_jobs_left_times_the_mean_time_per_finished_job_since_the_first_began()
    {
        var board = Board();
        using var installed = TrainingProgress.Use(board);
        var progress = new JobProgress(4, "pipelines", () => _now - S(5));
        _now = S(2);
        using (TrainingProgress.Enter("seed 1 · base", counted: false)) _now = S(5);   // a base built on the way: a row, not a job
        var a = progress.Begin("seed 1 · SFT-then-RL");
        var b = progress.Begin("seed 1 · RL-then-SFT");
        Assert.Null(board.Snapshot().Left);                   // no job finished yet
        _now = S(25);
        a.Dispose();
        var s = board.Snapshot();
        // one of 4 done in the 20 s since the first job began (at 5 s): 3 × 20 s = 60 s
        Assert.Equal((1, 4, "pipelines"), (s.Finished, s.Expected, s.What));
        Assert.Equal(S(60), s.Left);
        Assert.Equal("1/4 pipelines done, about 01:00 left", progress.Finished());   // the plain line, by the same arithmetic
        Assert.Equal([true, true, false], s.Rows.Select(r => r.Finished));   // the base, the finished job, the running one
        b.Dispose();
    }

    [Fact]
    public async Task Jobs_on_different_threads_report_to_their_own_rows_and_no_board_means_no_rows()
    {
        TrainingProgress.Step("sft", 1, 2);                   // neither a board nor a job: nothing happens
        using (TrainingProgress.Enter("orphan")) TrainingProgress.Step("sft", 1, 2);
        var board = Board();
        using var installed = TrainingProgress.Use(board);
        var ready = new Barrier(2);
        Task Run(string label, long done) => Task.Run(() =>
        {
            using var job = TrainingProgress.Enter(label);
            ready.SignalAndWait();                            // both jobs are open at once
            TrainingProgress.Step("grpo", done, 10);
            TrainingProgress.Note($"note {done}");
            ready.SignalAndWait();
        });
        await Task.WhenAll(Run("a", 3), Run("b", 7));
        var rows = board.Snapshot().Rows.OrderBy(r => r.Label).ToList();
        Assert.Equal([("a", 3L, "note 3"), ("b", 7L, "note 7")], rows.Select(r => (r.Label, r.Done, r.Note!)));
        Assert.All(rows, r => Assert.True(r.Finished));
    }
}
