using System.Diagnostics;
using Reproduction.IO;
using Reproduction.Training;

namespace Repro.Tests.Reliability;

/// <summary>
/// kill -9 and resume: `repro sft` / `repro grpo` run as child processes on the tiny-smoke preset and are SIGKILLed
/// at seeded moments (after the first logged step, while a checkpoint is being written, at a random time), each
/// time resumed with `--resume auto`. The interrupted run must end with the same metrics (less wall-clock fields)
/// and the same bytes of weights and optimizer moments as an uninterrupted run, and no incomplete checkpoint may
/// ever be visible or picked up. The TensorBoard run beside metrics.jsonl ends with the same scalars too, each step once.
/// </summary>
public sealed class CrashConsistencyTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-crash-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>When the killer strikes.</summary>
    private enum Moment { AfterFirstLoggedStep, DuringCheckpointWrite, RandomTime }

    [Fact]
    public void Sft_killed_repeatedly_and_resumed_ends_bitwise_equal_to_an_uninterrupted_run()
    {
        string[] args = ["sft", "--preset", "tiny-smoke", "--model", TinySmokeBase.Path, "--data", "synthetic", "--max-steps", "12", "--save-steps", "3"];
        KilledAndResumedMatchesStraight(args, finalStep: 12, firstLoggedLines: 2, seed: 11,
            [Moment.AfterFirstLoggedStep, Moment.DuringCheckpointWrite, Moment.RandomTime, Moment.DuringCheckpointWrite]);
    }

    [Fact]
    public void Grpo_killed_repeatedly_and_resumed_ends_bitwise_equal_to_an_uninterrupted_run()
    {
        string[] args = ["grpo", "--preset", "tiny-smoke", "--model", TinySmokeBase.Path, "--max-steps", "8", "--save-steps", "2",
            "--options", Path.Combine(SharedData.RepoRoot, "tests", "Experiments", "Study", "grpo-smoke.json")];
        KilledAndResumedMatchesStraight(args, finalStep: 8, firstLoggedLines: 1, seed: 12,
            [Moment.AfterFirstLoggedStep, Moment.DuringCheckpointWrite, Moment.RandomTime, Moment.DuringCheckpointWrite]);
    }

    private void KilledAndResumedMatchesStraight(string[] args, long finalStep, int firstLoggedLines, int seed, Moment[] kills)
    {
        var straight = Path.Combine(_dir, "straight");
        var (code, output) = ReproChild.Run(Limit, [.. args, "--out", straight]);
        Assert.True(code == 0, output);

        var crashed = Directory.CreateDirectory(Path.Combine(_dir, "crashed")).FullName;
        var random = new Random(seed);
        int landedMidCheckpoint = 0, killed = 0;
        foreach (var moment in kills)
        {
            var stale = RunFolder.Temporaries(crashed).ToHashSet();                      // left by an earlier kill
            using var child = ReproChild.Start([.. args, "--out", crashed, "--resume", "auto"]);
            bool struck = WaitFor(moment, child, crashed, firstLoggedLines, random);
            if (!struck)
            {
                Assert.True(child.WaitForExit(Limit) == 0, child.Output);    // finished before the killer struck
                break;
            }
            child.Kill();
            killed++;
            var temporaries = RunFolder.Temporaries(crashed).Where(t => !stale.Contains(t));
            if (moment == Moment.DuringCheckpointWrite && temporaries.Any(t => Path.GetFileName(t).StartsWith("." + TrainerCheckpoint.Prefix, StringComparison.Ordinal)))
                landedMidCheckpoint++;

            // Whatever the moment: every visible checkpoint is complete, and the one a resume picks verifies.
            RunFolder.AssertEveryCheckpointVerifies(crashed);
            if (TrainerCheckpoint.Latest(crashed) is { } latest) FolderManifest.Verify(latest);
        }
        Assert.True(killed >= 3, $"only {killed} kills landed before the run finished");
        Assert.True(landedMidCheckpoint >= 1, "no kill landed while a checkpoint was being written");

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

        var last = ReproChild.Run(Limit, [.. args, "--out", crashed, "--resume", "auto"]);
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
    /// Waits for the moment; false when the child exited first. AfterFirstLoggedStep: the first training step's
    /// metrics line is written (before any checkpoint). DuringCheckpointWrite: the child creates its second
    /// checkpoint folder, the hidden `.checkpoint-N.tmp-…` one (inotify, so the kill lands within the few ms the folder
    /// exists; the first checkpoint of this start is let through so the run makes progress). RandomTime: 1–3 new metrics lines, then
    /// 0–150 ms.
    /// </summary>
    private static bool WaitFor(Moment moment, ReproChild child, string dir, int firstLoggedLines, Random random)
    {
        var metrics = Path.Combine(dir, "metrics.jsonl");
        var clock = Stopwatch.StartNew();
        if (moment == Moment.DuringCheckpointWrite)
        {
            using var struck = new ManualResetEventSlim();
            int created = 0;
            // Created, not Renamed: the hidden temporary (or, from a writer that is not atomic, the checkpoint itself).
            using var watcher = new FileSystemWatcher(dir, "*" + TrainerCheckpoint.Prefix + "*");
            watcher.Created += (_, e) =>
            {
                if (e.Name is { } n && !n.Contains(AtomicFile.TempMarker + "old-", StringComparison.Ordinal) && Interlocked.Increment(ref created) == 2)
                {
                    struck.Set();                  // before the kill: the loop below must not see the exit without the flag
                    child.Kill();
                }
            };
            watcher.EnableRaisingEvents = true;
            while (!child.HasExited && !struck.IsSet && clock.Elapsed < Limit) struck.Wait(20);
            return struck.IsSet;
        }
        int target = moment == Moment.AfterFirstLoggedStep ? firstLoggedLines : CountLines(metrics) + 1 + random.Next(3);
        var extra = moment == Moment.RandomTime ? TimeSpan.FromMilliseconds(random.Next(150)) : TimeSpan.Zero;
        while (!child.HasExited && clock.Elapsed < Limit)
        {
            if (CountLines(metrics) >= target)
            {
                Thread.Sleep(extra);
                return !child.HasExited;
            }
            Thread.Sleep(3);
        }
        return false;
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
