using Reproduction.Cli;
using Reproduction.Data;
using Repro.Tests.IO;

namespace Repro.Tests.Cli;

/// <summary>`repro data download cola` end to end against a loopback server.</summary>
public sealed class DataCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-cli-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int Run(params string[] args) => ReproCli.Build().Parse(args).Invoke();

    [Fact]
    public async Task Download_cola_fetches_verifies_and_unpacks_and_a_second_run_does_nothing()
    {
        var zip = File.ReadAllBytes(SharedData.Require("data", "cola", ColaRelease.ZipFileName));
        await using var server = new LoopbackHttpServer((r, s, ct) => LoopbackHttpServer.WriteWithRange(r, s, zip, ct));
        var url = server.Url("/CoLA/cola_public_1.1.zip").ToString();

        Assert.Equal(0, Run("data", "download", "cola", "--url", url, "--out", _dir));
        Assert.Equal(zip, File.ReadAllBytes(Path.Combine(_dir, ColaRelease.ZipFileName)));
        var release = Path.Combine(_dir, ColaDownloader.ReleaseFolderName);
        Assert.Equal(527, ColaDataset.LoadDefault(ColaSplit.InDomainDev, release).Count);

        Assert.Equal(0, Run("data", "download", "cola", "--url", url, "--out", _dir));
        Assert.Single(server.Requests);
    }

    [Fact]
    public void Download_cola_when_offline_exits_2_and_writes_nothing()
    {
        using var closed = new ClosedLoopbackPort();
        Assert.Equal(2, Run("data", "download", "cola", "--url", $"http://127.0.0.1:{closed.Port}/cola_public_1.1.zip", "--out", _dir, "--timeout", "10"));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void The_default_url_is_the_official_release()
    {
        var cola = ReproCli.Build().Subcommands.Single(c => c.Name == "data").Subcommands.Single(c => c.Name == "download").Subcommands.Single();
        var parse = ReproCli.Build().Parse(["data", "download", "cola"]);
        Assert.Equal("cola", cola.Name);
        Assert.Empty(parse.Errors);
        Assert.Equal("https://nyu-mll.github.io/CoLA/cola_public_1.1.zip", ColaRelease.OfficialUrl);
        Assert.Equal(ColaRelease.OfficialUrl, parse.GetValue<string>("--url"));
    }

    [Fact]
    public void The_recorded_zip_checksum_is_the_reference_one()
    {
        var reference = Reproduction.IO.Sha256Sums.Load(SharedData.Require("data", "cola", "SHA256SUMS"));
        Assert.Equal(ColaRelease.ZipSha256, reference.Entries[ColaRelease.ZipFileName]);
    }
}
