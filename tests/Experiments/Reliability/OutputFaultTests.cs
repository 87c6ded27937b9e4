using Reproduction;
using Reproduction.IO;
using Reproduction.Training;

namespace Repro.Tests.Reliability;

/// <summary>
/// Output problems: a run folder that cannot be created (its parent is a regular file, which stops root too, unlike
/// chmod 0555), and a full disk (AtomicFile's capacity hook gives the child a disk that holds one checkpoint but not
/// two). Each ends `repro sft` with exit code 2 and one line naming the path; earlier checkpoints stay intact and no
/// temporary is left behind.
/// </summary>
public sealed class OutputFaultTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-outfault-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>`repro sft` in a child process (its stderr is its own: no race on Console.Error with parallel tests).</summary>
    private static (int Code, string Error) Sft(IReadOnlyDictionary<string, string> environment, params string[] extra)
    {
        using var child = ReproChild.Start(environment, ["sft", "--preset", "tiny-smoke", "--model", TinySmokeBase.Path, "--data", "synthetic", .. extra]);
        return (child.WaitForExit(), child.Output);
    }

    [Fact]
    public void An_output_folder_under_a_regular_file_exits_2_naming_the_path()
    {
        var file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "not a folder");
        var (code, error) = Sft(new Dictionary<string, string>(), "--out", Path.Combine(file, "run"), "--max-steps", "1");
        Assert.Equal(2, code);
        Assert.Contains(file, error);
        Assert.Single(error.Split('\n'), l => l.StartsWith("repro: error:", StringComparison.Ordinal) && l.Contains(file, StringComparison.Ordinal));
    }

    [Fact]
    public void A_full_disk_exits_2_naming_the_checkpoint_and_keeps_the_earlier_one()
    {
        var sizing = Path.Combine(_dir, "sizing");
        Assert.Equal(0, Sft(new Dictionary<string, string>(), "--out", sizing, "--max-steps", "3", "--save-steps", "3").Code);
        long checkpoint = new DirectoryInfo(TrainerCheckpoint.PathFor(sizing, 3)).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

        var run = Path.Combine(_dir, "run");
        var disk = new Dictionary<string, string> { [AtomicFile.CapacityVariable] = (checkpoint * 3 / 2).ToString() };    // one checkpoint fits, two do not
        var (code, error) = Sft(disk, "--out", run, "--max-steps", "9", "--save-steps", "3");
        Assert.Equal(2, code);
        Assert.Contains(TrainerCheckpoint.PathFor(run, 6), error);
        Assert.Contains("No space left on device", error);
        Assert.Equal(TrainerCheckpoint.PathFor(run, 3), TrainerCheckpoint.Latest(run));
        FolderManifest.Verify(TrainerCheckpoint.PathFor(run, 3));
        Assert.Empty(RunFolder.Temporaries(run));                                  // the failed write removed its temporary
    }

    [Fact]
    public void A_stream_that_runs_out_of_space_leaves_the_old_file_and_no_temporary()
    {
        var path = Path.Combine(_dir, "state.json");
        AtomicFile.WriteAllText(path, "old");
        var e = Assert.Throws<ReproException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new IOException("No space left on device");
        }));
        Assert.Contains(path, e.Message);
        Assert.Contains("No space left on device", e.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Empty(RunFolder.Temporaries(_dir));

        var folder = Path.Combine(_dir, "checkpoint-1");
        var f = Assert.Throws<ReproException>(() => AtomicFile.WriteFolder(folder, tmp =>
        {
            File.WriteAllText(Path.Combine(tmp, "a"), "x");
            throw new IOException("No space left on device");
        }, overwrite: false));
        Assert.Contains(folder, f.Message);
        Assert.False(Directory.Exists(folder));
        Assert.Empty(RunFolder.Temporaries(_dir));
    }
}
