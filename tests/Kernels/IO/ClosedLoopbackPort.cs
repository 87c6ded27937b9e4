using System.Net;
using System.Net.Sockets;

namespace Repro.Tests.IO;

/// <summary>
/// A loopback port where nobody listens, held for the test's lifetime: the socket is bound but never listens, so a
/// connection to it is refused, and no server of a test running in parallel can take the port (a port found free and
/// released at once can be handed to the next listener, and the "offline" test then reaches a server).
/// </summary>
public sealed class ClosedLoopbackPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedLoopbackPort() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public void Dispose() => _socket.Dispose();
}
