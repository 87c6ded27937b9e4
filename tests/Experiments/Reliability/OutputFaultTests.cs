using System.Diagnostics;
using Reproduction;
using Reproduction.IO;
using Reproduction.Training;

namespace Repro.Tests.Reliability;

/// <summary>
/// Output problems: a run folder that cannot be created (its parent is a regular file: the tests run as root, where
/// chmod 0555 does not stop writes), and a full disk (a 4 MiB tmpfs holds the first 2.6 MB checkpoint but not the
/// second). Each ends `repro sft` with exit code 2 and one line naming the path; earlier checkpoints stay intact
/// and no temporary is left behind.
/// </summary>
public sealed class OutputFaultTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-outfault-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>`repro sft` in a child process (its stderr is its own: no race on Console.Error with parallel tests).</summary>
    private static (int Code, string Error) Sft(params string[] extra) =>
        ReproChild.Run(TimeSpan.FromSeconds(120), ["sft", "--preset", "tiny-smoke", "--model", TinySmokeBase.Path, "--data", "synthetic", .. extra]);

    [Fact]
    public void An_output_folder_under_a_regular_file_exits_2_naming_the_path()
    {
        var file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "not a folder");
        var (code, error) = Sft("--out", Path.Combine(file, "run"), "--max-steps", "1");
        Assert.Equal(2, code);
        Assert.Contains(file, error);
        Assert.Single(error.Split('\n'), l => l.StartsWith("repro: error:", StringComparison.Ordinal) && l.Contains(file, StringComparison.Ordinal));
    }

    [Fact]
    public void A_full_disk_exits_2_naming_the_checkpoint_and_keeps_the_earlier_one()
    {
        var mount = Directory.CreateDirectory(Path.Combine(_dir, "small")).FullName;
        if (!Mount(mount, "4m")) Assert.Skip("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN); the injected-stream test below covers AtomicFile");
        try
        {
            var run = Path.Combine(mount, "run");
            var (code, error) = Sft("--out", run, "--max-steps", "9", "--save-steps", "3");
            Assert.Equal(2, code);
            Assert.Contains(TrainerCheckpoint.PathFor(run, 6), error);
            Assert.Contains("No space left on device", error);
            Assert.Equal(TrainerCheckpoint.PathFor(run, 3), TrainerCheckpoint.Latest(run));
            FolderManifest.Verify(TrainerCheckpoint.PathFor(run, 3));
            Assert.Empty(RunFolder.Temporaries(run));                              // the failed write removed its temporary
        }
        finally { Unmount(mount); }
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

    private static bool Mount(string dir, string size)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root") return false;
        try
        {
            using var p = Process.Start(new ProcessStartInfo("mount", ["-t", "tmpfs", "-o", $"size={size}", "tmpfs", dir]) { RedirectStandardError = true });
            p!.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    private static void Unmount(string dir)
    {
        using var p = Process.Start(new ProcessStartInfo("umount", [dir]) { RedirectStandardError = true });
        p!.WaitForExit();
    }
}
