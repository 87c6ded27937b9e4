using Reproduction;
using Reproduction.IO;

namespace Repro.Tests.IO;

/// <summary>Nothing is ever half-written: files and checkpoint folders appear complete or not at all.</summary>
public sealed class AtomicWriteTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-atomic-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void A_write_that_fails_midway_leaves_the_previous_file_and_no_temp_file()
    {
        var path = Path.Combine(_dir, "a.txt");
        File.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s => { s.Write("new-partial"u8); throw new InvalidOperationException("disk full"); }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["a.txt"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Writing_into_a_missing_folder_is_a_clear_error()
    {
        var path = Path.Combine(_dir, "nope", "a.txt");
        var e = Assert.Throws<ReproException>(() => AtomicFile.Write(path, s => s.WriteByte(1)));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void A_folder_that_fails_while_being_filled_never_appears_and_the_old_one_survives()
    {
        var final = Path.Combine(_dir, "checkpoint-10");
        AtomicFile.WriteFolder(final, d => File.WriteAllText(Path.Combine(d, "w.bin"), "v1"), overwrite: true);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteFolder(final, d =>
        {
            File.WriteAllText(Path.Combine(d, "w.bin"), "v2-partial");
            throw new InvalidOperationException("killed");
        }, overwrite: true));
        Assert.Equal("v1", File.ReadAllText(Path.Combine(final, "w.bin")));
        Assert.Equal(["checkpoint-10"], Directory.GetDirectories(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void The_manifest_detects_a_flipped_byte_a_truncation_and_a_missing_file()
    {
        var dir = Path.Combine(_dir, "ck");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray());
        File.WriteAllText(Path.Combine(dir, "config.json"), "{}");
        Assert.False(FolderManifest.IsComplete(dir));
        FolderManifest.WriteFor(dir);
        Assert.Equal(2, FolderManifest.Verify(dir).Files.Count);

        var weights = Path.Combine(dir, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[500] ^= 1;
        File.WriteAllBytes(weights, bytes);
        Assert.Contains("sha256", Assert.Throws<ReproException>(() => FolderManifest.Verify(dir)).Message);

        File.WriteAllBytes(weights, bytes[..900]);
        Assert.Contains("size 900", Assert.Throws<ReproException>(() => FolderManifest.Verify(dir)).Message);

        File.Delete(weights);
        Assert.Contains("missing", Assert.Throws<ReproException>(() => FolderManifest.Verify(dir)).Message);
    }
}
