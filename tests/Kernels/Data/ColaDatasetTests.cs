using Reproduction;
using Reproduction.Data;
using Reproduction.IO;

namespace Repro.Tests.Data;

/// <summary>The CoLA copy shipped beside the binary, and its checksum guard.</summary>
public sealed class ColaDatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-colaset-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string CopyShipped()
    {
        foreach (var file in Directory.GetFiles(ColaDataset.ShippedDirectory, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_dir, Path.GetRelativePath(ColaDataset.ShippedDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return _dir;
    }

    [Fact]
    public void The_build_output_holds_the_release_files_the_study_needs_and_they_match_their_checksums()
    {
        var sums = Sha256Sums.Load(Path.Combine(ColaDataset.ShippedDirectory, "SHA256SUMS"));
        Assert.Equal(
            ["cola_public_README.txt", "raw/in_domain_dev.tsv", "raw/in_domain_train.tsv", "raw/out_of_domain_dev.tsv"],
            sums.Entries.Keys.Order(StringComparer.Ordinal));
        sums.VerifyAll();
        Assert.Contains("5. Disclaimer", File.ReadAllText(Path.Combine(ColaDataset.ShippedDirectory, "cola_public_README.txt")));
    }

    [Fact]
    public void The_shipped_checksums_are_the_reference_release_checksums()
    {
        var reference = Sha256Sums.Load(SharedData.Require("data", "cola", "SHA256SUMS"));
        var shipped = Sha256Sums.Load(Path.Combine(ColaDataset.ShippedDirectory, "SHA256SUMS"));
        Assert.All(shipped.Entries, kv => Assert.Equal(reference.Entries[kv.Key], kv.Value));
    }

    [Fact]
    public void A_modified_data_file_is_refused_with_a_checksum_error_naming_it()
    {
        var dir = CopyShipped();
        var dev = Path.Combine(dir, "raw", "in_domain_dev.tsv");
        var text = File.ReadAllText(dev);
        File.WriteAllText(dev, text.Replace("gj04\t1", "gj04\t0"));   // flip one label, keep the file well-formed
        Assert.Equal(527, ColaLoader.LoadFile(dev).Examples.Count);
        var e = Assert.Throws<ReproException>(() => ColaDataset.LoadDefault(ColaSplit.InDomainDev, dir));
        Assert.StartsWith($"{dev}: sha256 mismatch: expected 77176f6a", e.Message);
        Assert.Equal(8551, ColaDataset.LoadDefault(ColaSplit.InDomainTrain, dir).Count);   // the untouched file still loads
    }

    [Fact]
    public void A_malformed_manifest_is_an_error_naming_its_line()
    {
        var path = Path.Combine(_dir, "SHA256SUMS");
        File.WriteAllText(path, "77176f6a03faa5a1c4f23c69971fc1bff565931112fb65af47b2d6e24b7f42f7  raw/a.tsv\nnot a checksum line\n");
        Assert.Equal($"{path}: line 2: expected '<64 hex digits>  <path>'", Assert.Throws<ReproException>(() => Sha256Sums.Load(path)).Message);
    }
}
