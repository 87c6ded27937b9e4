using System.Diagnostics;

namespace Reproduction.Training;

/// <summary>
/// The live state of a long verb's jobs (a pipeline of a seed, a schedule of a seed, a base): for each, its label, the
/// stage it is in, the steps of that stage done and due, and the time the stage has left at the step rate measured so
/// far in it; for the whole, how many of the expected jobs are done and the time left at the mean time per finished job.
/// The trainers report their steps with <see cref="Step"/> to the job the current thread runs (<see cref="Enter"/>), on
/// the board the verb installed (<see cref="Use"/>); without one both are no-ops. Thread-safe; the clock is injectable.
/// </summary>
public sealed class TrainingProgress
{
    private static readonly AsyncLocal<TrainingProgress?> CurrentBoard = new();
    private static readonly AsyncLocal<Job?> CurrentJob = new();

    private readonly Func<TimeSpan> _clock;
    private readonly object _gate = new();
    private readonly List<Job> _jobs = [];
    private int _expected;
    private string _what = "jobs";

    /// <param name="clock">Time since the run began (default: a stopwatch started now).</param>
    public TrainingProgress(Func<TimeSpan>? clock = null)
    {
        var watch = Stopwatch.StartNew();
        _clock = clock ?? (() => watch.Elapsed);
    }

    /// <summary>The board installed for this flow of execution, or null.</summary>
    public static TrainingProgress? Current => CurrentBoard.Value;

    /// <summary>Installs <paramref name="board"/> for this flow (and the tasks it starts) until the scope is disposed.</summary>
    public static IDisposable Use(TrainingProgress board)
    {
        var previous = CurrentBoard.Value;
        CurrentBoard.Value = board;
        return new Scope(() => CurrentBoard.Value = previous);
    }

    /// <summary>
    /// Starts a job named <paramref name="label"/> on the current board and makes it this thread's job until the scope is
    /// disposed (then it is finished). A no-op without a board. A job that is not <paramref name="counted"/> (a base model
    /// built on the way) has a row but is not one of the expected jobs the time left is estimated over.
    /// </summary>
    public static IDisposable Enter(string label, bool counted = true)
    {
        if (Current is not { } board) return new Scope(() => { });
        var job = board.Begin(label, counted);
        var previous = CurrentJob.Value;
        CurrentJob.Value = job;
        return new Scope(() =>
        {
            board.Finish(job);
            CurrentJob.Value = previous;
        });
    }

    /// <summary>A trainer's report: step <paramref name="done"/> of <paramref name="total"/> of <paramref name="stage"/> is done (for the current job, if any).</summary>
    public static void Step(string stage, long done, long total) => CurrentJob.Value?.Board.Report(CurrentJob.Value, stage, done, total, null);

    /// <summary>A short note on the current job's row (the last loss, the last reward), if any.</summary>
    public static void Note(string note)
    {
        if (CurrentJob.Value is { } job) job.Board.Report(job, null, null, null, note);
    }

    /// <summary>Adds <paramref name="jobs"/> expected jobs of kind <paramref name="what"/> (pipelines, jobs, variants).</summary>
    public void Expect(int jobs, string what)
    {
        lock (_gate)
        {
            _expected += jobs;
            _what = what;
        }
    }

    /// <summary>A new running job (its row).</summary>
    public Job Begin(string label, bool counted = true)
    {
        lock (_gate)
        {
            var job = new Job(this, label, _clock(), counted);
            _jobs.Add(job);
            return job;
        }
    }

    public void Finish(Job job)
    {
        lock (_gate) job.FinishedAt ??= _clock();
    }

    /// <summary>
    /// A report on <paramref name="job"/>. A stage name other than the current one, or a step count that went back,
    /// starts a new stage: its rate is measured from its first reported step, so the set-up before it (a model copy,
    /// the step-0 evaluation, the first step's warm-up) does not count.
    /// </summary>
    public void Report(Job job, string? stage, long? done, long? total, string? note)
    {
        lock (_gate)
        {
            var now = _clock();
            if (note is not null) job.Note = note;
            if (stage is null || done is null || total is null) return;
            if (stage != job.Stage || done < job.Done)
            {
                (job.Stage, job.FirstDone, job.FirstAt) = (stage, done.Value, now);
                job.Note = note;
            }
            (job.Done, job.Total, job.LastAt) = (done.Value, total.Value, now);
        }
    }

    /// <summary>What a display shows now.</summary>
    public ProgressSnapshot Snapshot()
    {
        lock (_gate)
        {
            var now = _clock();
            var rows = _jobs.Select(j => new ProgressRow(j.Label, j.Stage, j.Done, j.Total, j.FinishedAt is null ? StageLeft(j) : null, j.Note,
                (j.FinishedAt ?? now) - j.StartedAt, j.FinishedAt is not null)).ToList();
            var counted = _jobs.Where(j => j.Counted).ToList();
            int finished = counted.Count(j => j.FinishedAt is not null);
            int expected = Math.Max(_expected, counted.Count);
            // The mean time per finished job, over the time since the first counted job began (jobs side by side share it).
            TimeSpan? left = finished == 0 ? null : TimeSpan.FromSeconds((now - counted.Min(j => j.StartedAt)).TotalSeconds / finished * (expected - finished));
            return new ProgressSnapshot(rows, finished, expected, _what, now, left);
        }
    }

    /// <summary>(total − done) × the seconds per step since the stage's first report; unknown before a second report.</summary>
    private static TimeSpan? StageLeft(Job j)
    {
        if (j.Stage is null || j.Done <= j.FirstDone || j.LastAt <= j.FirstAt) return null;
        double perStep = (j.LastAt - j.FirstAt).TotalSeconds / (j.Done - j.FirstDone);
        return TimeSpan.FromSeconds(Math.Max(0, j.Total - j.Done) * perStep);
    }

    /// <summary>One job's mutable state; read and written under its board's lock.</summary>
    public sealed class Job(TrainingProgress board, string label, TimeSpan startedAt, bool counted)
    {
        internal bool Counted => counted;
        internal TrainingProgress Board => board;
        internal string Label => label;
        internal TimeSpan StartedAt => startedAt;
        internal TimeSpan? FinishedAt { get; set; }
        internal string? Stage { get; set; }
        internal string? Note { get; set; }
        internal long Done { get; set; }
        internal long Total { get; set; }
        internal long FirstDone { get; set; }
        internal TimeSpan FirstAt { get; set; }
        internal TimeSpan LastAt { get; set; }
    }

    private sealed class Scope(Action end) : IDisposable
    {
        private int _disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) end();
        }
    }
}

/// <summary>A job's row: label, stage, steps done of due, the stage's time left (null: not measured yet, or finished), a note, the job's time so far.</summary>
public sealed record ProgressRow(string Label, string? Stage, long Done, long Total, TimeSpan? StageLeft, string? Note, TimeSpan Elapsed, bool Finished);

/// <summary>The board at one moment: the rows, finished of expected jobs, the time since the start, the time left (null before a job finished).</summary>
public sealed record ProgressSnapshot(IReadOnlyList<ProgressRow> Rows, int Finished, int Expected, string What, TimeSpan Elapsed, TimeSpan? Left);
