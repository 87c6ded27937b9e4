using Reproduction;
using Reproduction.Data;
using Reproduction.IO;

namespace Repro.Tests.IO;

/// <summary>
/// The downloader against a loopback server that serves the real CoLA zip and misbehaves on purpose:
/// dropped connections, ignored Range, wrong bytes, 404, redirect loops, a slow drip, nobody listening.
/// </summary>
public sealed class FileDownloaderTests : IDisposable
{
    private static readonly DownloadOptions Fast = new(timeout: TimeSpan.FromSeconds(20), maxRedirects: 3, maxAttempts: 5, useProxy: false);

    private readonly string _dir = Directory.CreateTempSubdirectory("repro-dl-").FullName;
    private readonly byte[] _zip = File.ReadAllBytes(SharedData.Require("data", "cola", ColaRelease.ZipFileName));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Destination => Path.Combine(_dir, "out", ColaRelease.ZipFileName);
    private string Partial => Destination + FileDownloader.PartialSuffix;

    private static async Task<DownloadResult> Download(Uri url, string destination, DownloadOptions? options = null, string? sha = ColaRelease.ZipSha256)
    {
        using var downloader = new FileDownloader(options ?? Fast);
        return await downloader.DownloadAsync(url, destination, sha, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_real_zip_is_downloaded_verified_and_renamed_into_place()
    {
        Assert.Equal(ColaRelease.ZipBytes, _zip.Length);
        await using var server = new LoopbackHttpServer((r, s, ct) => LoopbackHttpServer.WriteWithRange(r, s, _zip, ct));
        var result = await Download(server.Url("/cola_public_1.1.zip"), Destination);
        Assert.Equal(_zip, File.ReadAllBytes(Destination));
        Assert.Equal((ColaRelease.ZipSha256, ColaRelease.ZipBytes, 1, false, false), (result.Sha256, result.Bytes, result.Attempts, result.AlreadyPresent, result.Restarted));
        Assert.False(File.Exists(Partial));
        Assert.Null(server.Requests.Single().Range);
    }

    [Fact]
    public async Task A_connection_cut_halfway_is_resumed_with_a_Range_request()
    {
        int half = _zip.Length / 2;
        await using var server = new LoopbackHttpServer(async (r, s, ct) =>
        {
            if (r.Number > 1) { await LoopbackHttpServer.WriteWithRange(r, s, _zip, ct); return; }
            await LoopbackHttpServer.WriteHead(s, 200, "OK", ("Content-Length", _zip.Length.ToString()));
            await s.WriteAsync(_zip.AsMemory(0, half), ct);   // then hang up
        });
        var result = await Download(server.Url("/zip"), Destination);
        Assert.Equal(_zip, File.ReadAllBytes(Destination));
        Assert.Equal([null, $"bytes={half}-"], server.Requests.Select(r => r.Range));
        Assert.Equal((2, (long?)half, false), (result.Attempts, result.ResumedFrom, result.Restarted));
    }

    [Fact]
    public async Task Progress_reports_rising_byte_counts_ending_at_the_file_size()
    {
        await using var server = new LoopbackHttpServer((r, s, ct) => LoopbackHttpServer.WriteWithRange(r, s, _zip, ct));
        var seen = new List<long>();
        using var downloader = new FileDownloader(Fast);
        await downloader.DownloadAsync(server.Url("/zip"), Destination, ColaRelease.ZipSha256, TestContext.Current.CancellationToken, new SyncProgress(seen.Add));
        Assert.NotEmpty(seen);
        Assert.Equal(seen.Order(), seen);
        Assert.Equal(_zip.Length, seen[^1]);
    }

    /// <summary>Reports on the calling thread (System.Progress posts to the thread pool, too late for an assertion).</summary>
    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    [Fact]
    public async Task A_partial_file_left_by_an_earlier_run_is_resumed_not_refetched()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Partial)!);
        File.WriteAllBytes(Partial, _zip[..100_000]);
        await using var server = new LoopbackHttpServer((r, s, ct) => LoopbackHttpServer.WriteWithRange(r, s, _zip, ct));
        var result = await Download(server.Url("/zip"), Destination);
        Assert.Equal(_zip, File.ReadAllBytes(Destination));
        Assert.Equal("bytes=100000-", server.Requests.Single().Range);
        Assert.Equal(100_000, result.ResumedFrom);
    }

    [Fact]
    public async Task A_server_that_ignores_Range_makes_the_download_restart_from_zero()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Partial)!);
        File.WriteAllBytes(Partial, new byte[1000]);   // not the zip's first bytes: appending to it would fail the checksum
        await using var server = new LoopbackHttpServer((r, s, ct) => LoopbackHttpServer.WriteWhole(s, _zip, ct));
        var result = await Download(server.Url("/zip"), Destination);
        Assert.Equal(_zip, File.ReadAllBytes(Destination));
        Assert.Equal("bytes=1000-", server.Requests.Single().Range);
        Assert.True(result.Restarted);
        Assert.Null(result.ResumedFrom);
    }

    [Fact]
    public async Task A_partial_file_the_server_refuses_to_resume_416_is_restarted()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Partial)!);
        File.WriteAllBytes(Partial, new byte[_zip.Length + 10]);
        await using var server = new LoopbackHttpServer((r, s, ct) => LoopbackHttpServer.WriteWithRange(r, s, _zip, ct));
        var result = await Download(server.Url("/zip"), Destination);
        Assert.Equal(_zip, File.ReadAllBytes(Destination));
        Assert.Equal([$"bytes={_zip.Length + 10}-", null], server.Requests.Select(r => r.Range));
        Assert.True(result.Restarted);
    }

    [Fact]
    public async Task Wrong_bytes_fail_the_checksum_and_leave_nothing_at_the_final_path()
    {
        var wrong = (byte[])_zip.Clone();
        wrong[12345] ^= 0xFF;
        await using var server = new LoopbackHttpServer((r, s, ct) => LoopbackHttpServer.WriteWithRange(r, s, wrong, ct));
        var e = await Assert.ThrowsAsync<ReproException>(() => Download(server.Url("/zip"), Destination));
        Assert.Contains($"sha256 mismatch: expected {ColaRelease.ZipSha256}, got ", e.Message);
        Assert.False(File.Exists(Destination));
        Assert.False(File.Exists(Partial));   // a bad download is not kept for resuming
    }

    [Fact]
    public async Task A_file_already_at_the_destination_with_the_right_checksum_is_kept_without_a_request()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Destination)!);
        File.WriteAllBytes(Destination, _zip);
        await using var server = new LoopbackHttpServer((r, s, ct) => LoopbackHttpServer.WriteWhole(s, _zip, ct));
        var result = await Download(server.Url("/zip"), Destination);
        Assert.True(result.AlreadyPresent);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Not_found_is_a_clear_error()
    {
        await using var server = new LoopbackHttpServer((r, s, ct) => LoopbackHttpServer.WriteHead(s, 404, "Not Found", ("Content-Length", "0")));
        var url = server.Url("/missing.zip");
        var e = await Assert.ThrowsAsync<ReproException>(() => Download(url, Destination));
        Assert.Equal($"{url}: not found (HTTP 404)", e.Message);
        Assert.False(File.Exists(Destination));
    }

    [Fact]
    public async Task Redirects_are_followed_keeping_the_Range_and_a_redirect_loop_stops_at_the_limit()
    {
        await using var server = new LoopbackHttpServer(async (r, s, ct) =>
        {
            switch (r.Path)
            {
                case "/resolve": await LoopbackHttpServer.WriteHead(s, 302, "Found", ("Location", "/cdn/file.zip"), ("Content-Length", "0")); break;
                case "/a": await LoopbackHttpServer.WriteHead(s, 307, "Temporary Redirect", ("Location", "/b"), ("Content-Length", "0")); break;
                case "/b": await LoopbackHttpServer.WriteHead(s, 301, "Moved Permanently", ("Location", "/a"), ("Content-Length", "0")); break;
                default: await LoopbackHttpServer.WriteWithRange(r, s, _zip, ct); break;
            }
        });
        Directory.CreateDirectory(Path.GetDirectoryName(Partial)!);
        File.WriteAllBytes(Partial, _zip[..5000]);
        var ok = await Download(server.Url("/resolve"), Destination);
        Assert.Equal(server.Url("/cdn/file.zip"), ok.FinalUrl);
        Assert.Equal(["bytes=5000-", "bytes=5000-"], server.Requests.Select(r => r.Range));
        Assert.Equal(_zip, File.ReadAllBytes(Destination));

        var loopDestination = Path.Combine(_dir, "loop.zip");
        var e = await Assert.ThrowsAsync<ReproException>(() => Download(server.Url("/a"), loopDestination));
        Assert.Contains("more than 3 redirects", e.Message);
        Assert.Equal(2 + 4, server.Requests.Count);   // the first download's 2, then the original request and 3 hops
        Assert.False(File.Exists(loopDestination));
    }

    [Fact]
    public async Task A_download_still_running_when_its_timeout_expires_is_a_timeout_error_and_the_partial_file_is_kept_for_resuming()
    {
        // The server sends the head and the first 1,000 bytes, then nothing more until the test ends.
        await using var server = new LoopbackHttpServer(async (r, s, ct) =>
        {
            await LoopbackHttpServer.WriteHead(s, 200, "OK", ("Content-Length", _zip.Length.ToString()));
            await s.WriteAsync(_zip.AsMemory(0, 1000), ct);
            await s.FlushAsync(ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var clock = new ManualClock();
        var received = new BytesReceived(1000);
        using var downloader = new FileDownloader(new DownloadOptions(timeout: TimeSpan.FromSeconds(3), useProxy: false) { Clock = clock });
        var download = downloader.DownloadAsync(server.Url("/zip"), Destination, ColaRelease.ZipSha256, TestContext.Current.CancellationToken, received);
        await received.Reached.WaitAsync(TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(3));

        var e = await Assert.ThrowsAsync<ReproException>(() => download);
        Assert.Contains("timed out after 3 s", e.Message);
        Assert.False(File.Exists(Destination));
        Assert.Equal(1000, new FileInfo(Partial).Length);
    }

    /// <summary>Completes <see cref="Reached"/> once the downloader reports <paramref name="bytes"/> on disk.</summary>
    private sealed class BytesReceived(long bytes) : IProgress<long>
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task Reached => _reached.Task;
        public void Report(long value) { if (value >= bytes) _reached.TrySetResult(); }
    }

    [Fact]
    public async Task A_connection_that_keeps_dropping_gives_up_after_the_attempt_limit_keeping_the_partial_file()
    {
        await using var server = new LoopbackHttpServer(async (r, s, ct) =>
        {
            await LoopbackHttpServer.WriteHead(s, 200, "OK", ("Content-Length", _zip.Length.ToString()));
            await s.WriteAsync(_zip.AsMemory(0, 1000), ct);
        });
        var e = await Assert.ThrowsAsync<ReproException>(() => Download(server.Url("/zip"), Destination, new DownloadOptions(TimeSpan.FromSeconds(20), maxAttempts: 2, useProxy: false)));
        Assert.Contains("connection lost after 2 attempt(s)", e.Message);
        Assert.Equal(2, server.Requests.Count);
        Assert.False(File.Exists(Destination));
    }

    [Fact]
    public async Task Nobody_listening_is_reported_as_cannot_connect_offline()
    {
        using var closed = new ClosedLoopbackPort();
        var url = new Uri($"http://127.0.0.1:{closed.Port}/cola_public_1.1.zip");
        var e = await Assert.ThrowsAsync<ReproException>(() => Download(url, Destination));
        Assert.StartsWith($"{url}: cannot connect to 127.0.0.1", e.Message);
        Assert.Contains("offline", e.Message);
        Assert.False(File.Exists(Destination));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("zz56f46df11c143d38e0cf2f9f34ff2fdb088c521cd859f5c4b9581683278b")]
    public async Task A_malformed_expected_checksum_is_refused_before_any_request(string sha)
    {
        await using var server = new LoopbackHttpServer((r, s, ct) => LoopbackHttpServer.WriteWhole(s, _zip, ct));
        await Assert.ThrowsAsync<ReproException>(() => Download(server.Url("/zip"), Destination, sha: sha));
        Assert.Empty(server.Requests);
    }
}
