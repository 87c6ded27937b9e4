using System.IO.Compression;
using Reproduction;
using Reproduction.Data;
using Reproduction.IO;

namespace Repro.Tests.IO;

/// <summary>All-or-nothing zip extraction that refuses entries escaping the destination.</summary>
public sealed class ZipExtractorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-zip-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string MakeZip(params string[] entries)
    {
        var path = Path.Combine(_dir, "test.zip");
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var name in entries)
        {
            using var writer = new StreamWriter(archive.CreateEntry(name).Open());
            writer.Write($"content of {name}");
        }
        return path;
    }

    [Fact]
    public void The_real_CoLA_zip_extracts_to_the_release_files_with_their_checksums()
    {
        var zip = SharedData.Require("data", "cola", ColaRelease.ZipFileName);
        var dest = Path.Combine(_dir, "cola");
        var files = ZipExtractor.Extract(zip, dest);
        Assert.Equal(7, files.Count);
        var reference = Sha256Sums.Load(SharedData.Require("data", "cola", "SHA256SUMS"));
        foreach (var (rel, sha) in reference.Entries.Where(kv => kv.Key.Contains('/')))
            Assert.Equal(sha, Sha256Sums.Of(Path.Combine(dest, ColaRelease.ExtractedFolder, rel)));
        Assert.Equal(8551, ColaDataset.LoadDefault(ColaSplit.InDomainTrain, dest).Count);
        Assert.Equal(["cola"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));   // no temp folder left
    }

    [Theory]
    [InlineData("../evil.txt")]
    [InlineData("sub/../../evil.txt")]
    [InlineData("/tmp/repro-absolute-evil.txt")]
    [InlineData("..\\evil.txt")]
    [InlineData("C:/evil.txt")]
    public void An_entry_that_would_escape_the_destination_is_refused_and_nothing_is_extracted(string evil)
    {
        var zip = MakeZip("good/first.txt", evil, "good/last.txt");
        var dest = Path.Combine(_dir, "out");
        var e = Assert.Throws<ReproException>(() => ZipExtractor.Extract(zip, dest));
        Assert.Equal($"{zip}: refusing unsafe entry '{evil}' (absolute path or '..' would escape the destination)", e.Message);
        Assert.False(Directory.Exists(dest));
        Assert.Equal(["test.zip"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
        Assert.False(File.Exists("/tmp/repro-absolute-evil.txt"));
    }

    [Fact]
    public void An_existing_destination_is_kept_unless_overwrite_is_asked_for()
    {
        var zip = MakeZip("a.txt");
        var dest = Path.Combine(_dir, "out");
        Directory.CreateDirectory(dest);
        File.WriteAllText(Path.Combine(dest, "old.txt"), "old");
        Assert.Contains("already exists", Assert.Throws<ReproException>(() => ZipExtractor.Extract(zip, dest)).Message);
        Assert.True(File.Exists(Path.Combine(dest, "old.txt")));

        Assert.Equal(["a.txt"], ZipExtractor.Extract(zip, dest, overwrite: true));
        Assert.Equal(["a.txt"], Directory.GetFiles(dest).Select(Path.GetFileName));
    }

    [Fact]
    public void A_file_that_is_not_a_zip_is_a_clear_error()
    {
        var path = Path.Combine(_dir, "not.zip");
        File.WriteAllText(path, "hello");
        Assert.StartsWith($"{path}: not a valid zip archive", Assert.Throws<ReproException>(() => ZipExtractor.Extract(path, Path.Combine(_dir, "x"))).Message);
    }
}
