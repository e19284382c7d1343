using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RdmaOffload.Samples.StaticFileServer.Http;

namespace RdmaOffload.Samples.StaticFileServer.Serving;

/// <summary>The same HTTP core on ordinary kernel sockets, for comparison and for tests without RDMA.</summary>
internal sealed class TcpFileServer : IDisposable
{
    private const int LingerDrainBytes = 256 * 1024;
    private static readonly TimeSpan s_lingerTime = TimeSpan.FromSeconds(2);
    private readonly Socket _listener;
    private readonly FileResolver _files;
    private readonly HttpLimits _limits;
    private readonly ILogger _logger;
    private readonly ConnectionTracker _connections;

    private TcpFileServer(Socket listener, FileResolver files, HttpLimits limits, ILogger logger)
    {
        _listener = listener;
        _files = files;
        _limits = limits;
        _logger = logger;
        _connections = new ConnectionTracker(logger);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Binds and listens now, so a taken port fails start-up rather than a background task.</summary>
    public static TcpFileServer Bind(IPEndPoint endPoint, FileResolver files, HttpLimits limits, ILogger logger)
    {
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(endPoint);
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return new TcpFileServer(listener, files, limits, logger);
    }

    /// <summary>Accepts until <paramref name="stopping"/>, then waits (bounded) for open connections.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        StaticFileServerLog.ServingTcp(_logger, _files.Root, LocalEndPoint);
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync(stopping).ConfigureAwait(false);
                _connections.Start(() => ServeAsync(socket, stopping));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        await _connections.DrainAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }

    public void Dispose() => _listener.Dispose();

    private async Task ServeAsync(Socket socket, CancellationToken stopping)
    {
        using (socket)
        {
            socket.NoDelay = true;
            var end = HttpConnectionEnd.Aborted;
            await using (var stream = new NetworkStream(socket, ownsSocket: false))
            {
                // Zero-byte reads: an idle keep-alive connection holds no receive buffer while it waits.
                var pipe = new StreamDuplexPipe(
                    PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true, useZeroByteReads: true)),
                    PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: _limits.ChunkSize, leaveOpen: true)));
                try
                {
                    end = await new HttpConnection(pipe, _files, _limits, _logger).RunAsync(stopping).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or SocketException)
                {
                    StaticFileServerLog.ConnectionFailed(_logger, e.Message);
                }
            }

            if (end == HttpConnectionEnd.Aborted)
            {
                socket.LingerState = new LingerOption(true, 0); // close sends RST
                return;
            }

            await LingerAsync(socket).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends FIN, then reads and drops what the client still sends for a moment: closing with unread bytes would
    /// send RST, which can destroy the response's tail before the client has read it.
    /// </summary>
    private static async Task LingerAsync(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            using var timeout = new CancellationTokenSource(s_lingerTime);
            var scratch = new byte[4096];
            var drained = 0;
            while (drained < LingerDrainBytes)
            {
                var n = await socket.ReceiveAsync(scratch, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                drained += n;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private sealed class StreamDuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
