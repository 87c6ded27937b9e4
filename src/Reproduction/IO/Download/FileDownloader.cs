using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Reproduction.IO;

/// <summary>
/// Downloads one file over HTTP(S), safely:
/// <list type="bullet">
/// <item>bytes go to <c>{destination}.part</c>; only a complete file whose SHA-256 matches is renamed onto the
/// destination (atomic rename), so no partial or wrong file ever sits at the destination;</item>
/// <item>a dropped connection is resumed with <c>Range: bytes=N-</c> (up to <see cref="DownloadOptions.MaxAttempts"/>
/// requests), and a <c>.part</c> left by an earlier run is resumed the same way; a server that ignores the Range
/// (200) or refuses it (416) makes the download restart from byte 0;</item>
/// <item>redirects are followed by hand, at most <see cref="DownloadOptions.MaxRedirects"/>, keeping the Range;</item>
/// <item>one overall <see cref="DownloadOptions.Timeout"/>; a timeout keeps the <c>.part</c> for a later resume;</item>
/// <item>every failure is a <see cref="ReproException"/> naming the URL: not found, HTTP error, too many redirects,
/// timed out, cannot connect (offline?), connection lost, checksum mismatch (the <c>.part</c> is deleted).</item>
/// </list>
/// </summary>
public sealed class FileDownloader : IDisposable
{
    public const string PartialSuffix = ".part";

    private readonly HttpClient _http;

    public DownloadOptions Options { get; }

    public FileDownloader(DownloadOptions? options = null)
    {
        Options = options ?? DownloadOptions.Default;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = Options.UseProxy,
            ConnectTimeout = Options.Timeout,
        };
        _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("repro/1.0");
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Downloads <paramref name="url"/> to <paramref name="destination"/>. With <paramref name="expectedSha256"/> (hex)
    /// the file must match it, and a destination that already matches is kept without any request; without it
    /// (a file whose checksum is not known in advance) the download is not verified. <paramref name="progress"/>, if
    /// given, hears the number of bytes on disk after every chunk.
    /// </summary>
    public async Task<DownloadResult> DownloadAsync(Uri url, string destination, string? expectedSha256, CancellationToken cancellationToken = default,
        IProgress<long>? progress = null)
    {
        var expected = expectedSha256?.Trim().ToLowerInvariant();
        if (expected is not null && (expected.Length != 64 || !expected.All(char.IsAsciiHexDigit)))
            throw new ReproException($"download: expected sha256 must be 64 hex digits, got '{expectedSha256}'");
        if (url.Scheme is not ("http" or "https")) throw new ReproException($"{url}: only http and https downloads are supported");

        destination = Path.GetFullPath(destination);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        if (expected is not null && File.Exists(destination) && Sha256Sums.Of(destination) == expected)
            return new DownloadResult(destination, new FileInfo(destination).Length, expected, AlreadyPresent: true, 0, null, false, url);

        var partial = destination + PartialSuffix;
        using var timeout = new CancellationTokenSource(Options.Timeout, Options.Clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var token = linked.Token;

        int attempts = 0;
        long? resumedFrom = null;
        bool restarted = false;
        Uri finalUrl = url;
        try
        {
            while (true)
            {
                attempts++;
                long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
                try
                {
                    (var response, finalUrl) = await SendFollowingRedirects(url, have, token);
                    using (response)
                    {
                        var status = (int)response.StatusCode;
                        if (have > 0 && status == 416)
                        {
                            File.Delete(partial);   // the server refuses our offset: start over
                            restarted = true;
                            attempts--;             // not a failed attempt
                            continue;
                        }
                        if (status == 404) throw new ReproException($"{finalUrl}: not found (HTTP 404)");
                        if (status is not (200 or 206))
                            throw new ReproException($"{finalUrl}: HTTP {status} {response.ReasonPhrase}");

                        bool append = false;
                        if (status == 206)
                        {
                            var range = response.Content.Headers.ContentRange;
                            if (have == 0 || range?.From != have)
                                throw new ReproException($"{finalUrl}: server answered 206 with range '{range}' to a request for bytes={have}-");
                            append = true;
                            resumedFrom = have;
                        }
                        else if (have > 0)
                        {
                            restarted = true;       // the server ignored the Range header: its 200 is the whole file
                        }

                        await using var body = await response.Content.ReadAsStreamAsync(token);
                        await using var file = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None);
                        long written = append ? have : 0;
                        var buffer = new byte[81920];
                        for (int n; (n = await body.ReadAsync(buffer, token)) > 0;)
                        {
                            await file.WriteAsync(buffer.AsMemory(0, n), token);
                            written += n;
                            progress?.Report(written);
                        }
                    }
                    break;
                }
                catch (Exception e) when (IsDroppedConnection(e) && !token.IsCancellationRequested && attempts < Options.MaxAttempts)
                {
                    // keep the .part and resume from its length
                }
            }
        }
        catch (Exception e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested && e is not ReproException)
        {
            throw new ReproException($"{url}: timed out after {Options.Timeout.TotalSeconds:0.###} s (partial download kept at {partial} for a later resume)", e);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.ProxyTunnelError
                                             || e.InnerException is SocketException)
        {
            throw new ReproException($"{url}: cannot connect to {url.Host} ({e.Message}). Are you offline? Place the file at {destination} by hand, or pass another URL.", e);
        }
        catch (Exception e) when (IsDroppedConnection(e) && !cancellationToken.IsCancellationRequested)
        {
            throw new ReproException($"{url}: connection lost after {attempts} attempt(s) ({e.Message}); run again to resume from {partial}", e);
        }

        string actual;
        await using (var stream = File.OpenRead(partial))
            actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
        if (expected is not null && actual != expected)
        {
            File.Delete(partial);
            throw new ReproException($"{finalUrl}: sha256 mismatch: expected {expected}, got {actual} (download deleted; nothing written to {destination})");
        }
        File.Move(partial, destination, overwrite: true);
        return new DownloadResult(destination, new FileInfo(destination).Length, actual, AlreadyPresent: false, attempts, resumedFrom, restarted, finalUrl);
    }

    private async Task<(HttpResponseMessage Response, Uri Url)> SendFollowingRedirects(Uri url, long offset, CancellationToken token)
    {
        var current = url;
        for (int hops = 0; ; hops++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            if ((int)response.StatusCode is not (301 or 302 or 303 or 307 or 308)) return (response, current);

            var location = response.Headers.Location;
            response.Dispose();
            if (location is null) throw new ReproException($"{current}: redirect (HTTP {(int)response.StatusCode}) without a Location header");
            if (hops >= Options.MaxRedirects)
                throw new ReproException($"{url}: more than {Options.MaxRedirects} redirects (a redirect loop?); last hop was to {location}");
            current = location.IsAbsoluteUri ? location : new Uri(current, location);
            if (current.Scheme is not ("http" or "https")) throw new ReproException($"{url}: redirected to an unsupported URL {current}");
        }
    }

    /// <summary>The connection broke after it was made (mid-body or before the headers): worth resuming.</summary>
    private static bool IsDroppedConnection(Exception e) => e switch
    {
        HttpIOException => true,
        HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => true,
        IOException { InnerException: SocketException } => true,
        _ => false,
    };
}
