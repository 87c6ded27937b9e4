using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Repro.Tests.IO;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 with an ephemeral port, for download tests: each connection carries one
/// request, answered by the test's handler with raw bytes (so it can cut, drip, ignore Range or lie), then closed.
/// Every request is recorded. Loopback only; disposing stops it and cancels running handlers.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    public sealed record Request(int Number, string Method, string Path, IReadOnlyDictionary<string, string> Headers)
    {
        public string? Range => Headers.GetValueOrDefault("range");
    }

    public delegate Task Handler(Request request, Stream stream, CancellationToken cancellationToken);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Handler _handler;
    private readonly Task _loop;
    private int _count;

    public ConcurrentQueue<Request> Requests { get; } = new();

    public LoopbackHttpServer(Handler handler)
    {
        _handler = handler;
        _listener.Start();
        _loop = AcceptLoop();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}{path}");

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadRequest(stream, Interlocked.Increment(ref _count));
                Requests.Enqueue(request);
                await _handler(request, stream, _stop.Token);
                await stream.FlushAsync();
                client.Client.Shutdown(SocketShutdown.Send);   // graceful close: the client reads everything sent
            }
            catch (Exception)
            {
                // the client went away or the test is over
            }
        }
    }

    private static async Task<Request> ReadRequest(Stream stream, int number)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 4 || !(bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0) throw new IOException("client closed before the end of the headers");
            bytes.Add(one[0]);
        }
        var lines = Encoding.ASCII.GetString(bytes.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var first = lines[0].Split(' ');
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        return new Request(number, first[0], first[1], headers);
    }

    /// <summary>Writes a status line and headers (Connection: close is added).</summary>
    public static async Task WriteHead(Stream stream, int status, string reason, params (string Name, string Value)[] headers)
    {
        var sb = new StringBuilder($"HTTP/1.1 {status} {reason}\r\n");
        foreach (var (name, value) in headers) sb.Append($"{name}: {value}\r\n");
        sb.Append("Connection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()));
    }

    /// <summary>A plain 200 with the whole body, ignoring any Range.</summary>
    public static async Task WriteWhole(Stream stream, byte[] body, CancellationToken ct)
    {
        await WriteHead(stream, 200, "OK", ("Content-Length", body.Length.ToString()), ("Content-Type", "application/zip"));
        await stream.WriteAsync(body, ct);
    }

    /// <summary>Honours "Range: bytes=N-" with a 206, otherwise a 200.</summary>
    public static async Task WriteWithRange(Request request, Stream stream, byte[] body, CancellationToken ct)
    {
        if (request.Range is { } range && range.StartsWith("bytes=") && range.EndsWith('-'))
        {
            long from = long.Parse(range["bytes=".Length..^1]);
            if (from >= body.Length)
            {
                await WriteHead(stream, 416, "Range Not Satisfiable", ("Content-Range", $"bytes */{body.Length}"), ("Content-Length", "0"));
                return;
            }
            await WriteHead(stream, 206, "Partial Content",
                ("Content-Range", $"bytes {from}-{body.Length - 1}/{body.Length}"), ("Content-Length", (body.Length - from).ToString()));
            await stream.WriteAsync(body.AsMemory((int)from), ct);
            return;
        }
        await WriteWhole(stream, body, ct);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _loop; } catch (Exception) { }
        _stop.Dispose();
    }
}
