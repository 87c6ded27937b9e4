using Reproduction.IO;
using Reproduction.Training;

namespace Repro.Tests.Reliability;

/// <summary>
/// kill -9 and resume: `repro sft` / `repro grpo` run as child processes on the tiny-smoke preset and are SIGKILLed
/// at seeded moments (after the first logged step, in the middle of a checkpoint write, after a seeded number of logged
/// steps), each time resumed with `--resume auto`. The children run with AtomicFile's pause hook, so every atomic folder
/// write stops between its complete temporary and the rename until this test lets it go on: a kill lands mid-write
/// because the child waits there, not because of a race, and a child cannot run past a moment before it is killed.
/// The interrupted run must end with the same metrics (less wall-clock fields) and the same bytes of weights and
/// optimizer moments as an uninterrupted run, and no incomplete checkpoint may ever be visible or picked up.
/// The TensorBoard run beside metrics.jsonl ends with the same scalars too, each step once.
/// </summary>
public sealed class CrashConsistencyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-crash-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>When the killer strikes.</summary>
    private enum Moment { AfterFirstLoggedStep, DuringCheckpointWrite, AfterSeededSteps }

    [Fact]
    public void Sft_killed_repeatedly_and_resumed_ends_bitwise_equal_to_an_uninterrupted_run()
    {
        string[] args = ["sft", "--preset", "tiny-smoke", "--model", TinySmokeBase.Path, "--data", "synthetic", "--max-steps", "12", "--save-steps", "3"];
        KilledAndResumedMatchesStraight(args, finalStep: 12, firstLoggedLines: 2, seed: 11,
            [Moment.AfterFirstLoggedStep, Moment.DuringCheckpointWrite, Moment.AfterSeededSteps, Moment.DuringCheckpointWrite]);
    }

    [Fact]
    public void Grpo_killed_repeatedly_and_resumed_ends_bitwise_equal_to_an_uninterrupted_run()
    {
        string[] args = ["grpo", "--preset", "tiny-smoke", "--model", TinySmokeBase.Path, "--max-steps", "8", "--save-steps", "2",
            "--options", Path.Combine(SharedData.RepoRoot, "tests", "Experiments", "Study", "grpo-smoke.json")];
        KilledAndResumedMatchesStraight(args, finalStep: 8, firstLoggedLines: 1, seed: 12,
            [Moment.AfterFirstLoggedStep, Moment.DuringCheckpointWrite, Moment.AfterSeededSteps, Moment.DuringCheckpointWrite]);
    }

    private void KilledAndResumedMatchesStraight(string[] args, long finalStep, int firstLoggedLines, int seed, Moment[] kills)
    {
        var straight = Path.Combine(_dir, "straight");
        var (code, output) = ReproChild.Run([.. args, "--out", straight]);
        Assert.True(code == 0, output);

        var crashed = Directory.CreateDirectory(Path.Combine(_dir, "crashed")).FullName;
        var random = new Random(seed);
        for (int k = 0; k < kills.Length; k++)
        {
            var signal = Path.Combine(_dir, $"paused-{k}");
            using var child = ReproChild.Start(new Dictionary<string, string> { [AtomicFile.PauseVariable] = signal }, [.. args, "--out", crashed, "--resume", "auto"]);
            var (struck, pausedAt) = WaitFor(kills[k], child, crashed, signal, firstLoggedLines, random);
            Assert.True(struck, $"kill {k + 1} ({kills[k]}): the run finished before the moment came: {child.Output}");
            child.Kill();

            if (kills[k] == Moment.DuringCheckpointWrite)
            {
                // Killed mid-write: the complete temporary is there, the checkpoint it was to become is not.
                Assert.True(Directory.Exists(pausedAt), $"kill {k + 1}: the paused temporary {pausedAt} is gone");
                Assert.False(Directory.Exists(FinalPath(pausedAt!)), $"kill {k + 1}: {FinalPath(pausedAt!)} is visible before its rename");
            }
            // Whatever the moment: every visible checkpoint is complete, and the one a resume picks verifies.
            RunFolder.AssertEveryCheckpointVerifies(crashed);
            if (TrainerCheckpoint.Latest(crashed) is { } latest) FolderManifest.Verify(latest);
        }

        // A corrupt checkpoint newer than any real one (a truncated weight file) must be skipped by the resume.
        var newest = RunFolder.Checkpoints(crashed).LastOrDefault();
        if (newest.Dir is not null)
        {
            var bogus = TrainerCheckpoint.PathFor(crashed, 1000);
            CopyFolder(newest.Dir, bogus);
            var weights = Path.Combine(bogus, TrainerCheckpoint.ModelFolder, "model.safetensors");
            File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..100]);
            Assert.Equal(newest.Dir, TrainerCheckpoint.Latest(crashed));
        }

        var last = ReproChild.Run([.. args, "--out", crashed, "--resume", "auto"]);
        Assert.True(last.ExitCode == 0, last.Output);
        if (newest.Dir is not null) Directory.Delete(TrainerCheckpoint.PathFor(crashed, 1000), true);

        Assert.Empty(RunFolder.Temporaries(crashed));                                   // the resume removed what the kills left
        Assert.Equal(RunFolder.MetricsWithoutTiming(straight), RunFolder.MetricsWithoutTiming(crashed));
        var board = RunFolder.TensorBoardWithoutTiming(straight, args[0]);
        Assert.NotEmpty(board);
        Assert.Equal(board, RunFolder.TensorBoardWithoutTiming(crashed, args[0]));
        Assert.Equal(RunFolder.Checkpoints(straight).Select(c => c.Step), RunFolder.Checkpoints(crashed).Select(c => c.Step));
        var (a, b) = (TrainerCheckpoint.PathFor(straight, finalStep), TrainerCheckpoint.PathFor(crashed, finalStep));
        Assert.True(RunFolder.Weights(a).AsSpan().SequenceEqual(RunFolder.Weights(b)), "final checkpoint weights differ");
        Assert.True(File.ReadAllBytes(Path.Combine(a, TrainerCheckpoint.OptimizerFile)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, TrainerCheckpoint.OptimizerFile))), "optimizer moments differ");
        Assert.True(File.ReadAllBytes(Path.Combine(straight, "final", "model.safetensors")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(crashed, "final", "model.safetensors"))), "final/ weights differ");
    }

    /// <summary>
    /// Lets the child's paused folder writes go on until the moment comes, then returns true with the child alive (it
    /// cannot finish without a write this test lets through) and the temporary it is paused at (null when it is not
    /// paused), to be killed there; false when the child finished first. AfterFirstLoggedStep: the first training step's metrics line is written. DuringCheckpointWrite: the
    /// second checkpoint write of this start is paused (the first is let through, so the run makes progress).
    /// AfterSeededSteps: 1–3 more metrics lines than at the start (seeded).
    /// </summary>
    private static (bool Struck, string? Paused) WaitFor(Moment moment, ReproChild child, string dir, string signal, int firstLoggedLines, Random random)
    {
        var metrics = Path.Combine(dir, "metrics.jsonl");
        int target = moment == Moment.AfterFirstLoggedStep ? firstLoggedLines : CountLines(metrics) + 1 + random.Next(3);
        int checkpointWrites = 0;
        while (!child.HasExited)
        {
            var paused = File.Exists(signal) ? File.ReadAllText(signal) : null;
            bool isCheckpoint = paused is not null && Path.GetFileName(paused).StartsWith("." + TrainerCheckpoint.Prefix, StringComparison.Ordinal);
            bool now = moment == Moment.DuringCheckpointWrite ? isCheckpoint && ++checkpointWrites == 2 : CountLines(metrics) >= target;
            if (now) return (true, paused);
            if (paused is not null) File.Delete(signal);                                 // let this write go on
            else Thread.Sleep(3);
        }
        return (false, null);
    }

    /// <summary>The folder a paused temporary `.NAME.tmp-…` becomes by its rename.</summary>
    private static string FinalPath(string temporary)
    {
        var name = Path.GetFileName(temporary);
        return Path.Combine(Path.GetDirectoryName(temporary)!, name[1..name.IndexOf(AtomicFile.TempMarker, StringComparison.Ordinal)]);
    }

    private static int CountLines(string path)
    {
        try { return File.ReadAllLines(path).Length; }
        catch (IOException) { return 0; }
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target);
        }
    }
}
