using Reproduction;
using Reproduction.Experiments;
using Reproduction.IO;

namespace Repro.Tests.Reliability;

/// <summary>
/// One writer owns a run folder: while a run holds OUT/.repro.lock, a second `repro study --out OUT` (another process) stops
/// at once with exit code 2 and a message naming the lock file and the holder, and writes nothing there; once the holder
/// is gone the folder can be taken again.
/// </summary>
public sealed class RunFolderLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-lock-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void A_second_run_into_a_held_folder_stops_naming_the_holder_and_writes_nothing()
    {
        var lockFile = Path.Combine(_dir, RunFolderLock.FileName);
        using (RunFolderLock.Acquire(_dir, "study"))
        {
            var (code, output) = ReproChild.Run("study", "--preset", "tiny-smoke", "--out", _dir, "--no-cache");
            Assert.Equal(2, code);
            Assert.Contains(lockFile, output);
            Assert.Contains($"pid {Environment.ProcessId}, repro study", output);
            Assert.Equal([Path.Combine(_dir, RunFolderLock.HolderFile), lockFile], Directory.GetFileSystemEntries(_dir).Order());   // no preset.json, no metrics/

            var e = Assert.Throws<ReproException>(() => new StudyRunner(StudyPreset.Load("tiny-smoke"), _dir, [1], _ => { }).Run());
            Assert.Contains("another repro run", e.Message);
        }
        using (RunFolderLock.Acquire(_dir, "study")) { }                                             // released with its holder
    }

    [Fact]
    public void Rewriting_a_run_that_does_not_exist_names_the_folder_and_creates_nothing()
    {
        var missing = Path.Combine(_dir, "no-such-run");
        var e = Assert.Throws<ReproException>(() => RunFolderLock.Acquire(missing, "frontier --run", existing: true));
        Assert.Contains(missing, e.Message);
        Assert.False(Directory.Exists(missing));
    }
}
