using System.Net;
using System.Net.Sockets;

namespace RdmaOffload.Verbs.ManagedRoce.ConnectionManagement;

/// <summary>
/// An established connection. The rendezvous TCP connection stays open as the liveness channel:
/// a Disconnect frame, EOF or a reset moves the QP to ERROR (flushing its work) and completes
/// <see cref="Disconnected"/>.
/// </summary>
internal sealed class ManagedRdmaConnection : IRdmaConnection
{
    private readonly ConnectionResources _resources;
    private readonly TcpClient _client;
    private readonly TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _monitorStop = new();
    private int _disconnecting;
    private int _disposed;

    public ManagedRdmaConnection(ConnectionResources resources, TcpClient client, ReadOnlyMemory<byte> remotePrivateData, IPEndPoint remoteEndPoint)
    {
        _resources = resources;
        _client = client;
        RemotePrivateData = remotePrivateData;
        RemoteEndPoint = remoteEndPoint;
        resources.Device.Tracker.Opened(ResourceKind.ConnectionId);
        _ = MonitorAsync();
    }

    public IRdmaDevice Device => _resources.Device;

    public IProtectionDomain ProtectionDomain => _resources.Domain;

    public IQueuePair QueuePair => _resources.QueuePair;

    public ICompletionQueue CompletionQueue => _resources.CompletionQueue;

    public ReadOnlyMemory<byte> RemotePrivateData { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public Task Disconnected => _disconnected.Task;

    public void Disconnect()
    {
        if (Interlocked.Exchange(ref _disconnecting, 1) != 0)
        {
            return;
        }

        try
        {
            _client.GetStream().Write(new RendezvousMessage(RendezvousType.Disconnect, default, ReadOnlyMemory<byte>.Empty).Encode());
            _client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Already gone: the peer notices through its own monitor.
        }

        EnterDisconnected();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Disconnect();
        _monitorStop.Cancel();
        _client.Dispose();
        _resources.Dispose();
        _monitorStop.Dispose();
        _resources.Device.Tracker.Closed(ResourceKind.ConnectionId);
    }

    private async Task MonitorAsync()
    {
        try
        {
            var stream = _client.GetStream();
            while (true)
            {
                var message = await RendezvousMessage.ReadAsync(stream, _monitorStop.Token).ConfigureAwait(false);
                if (message.Type == RendezvousType.Disconnect)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or RdmaException or InvalidOperationException)
        {
            // EOF, reset or our own disposal: all mean the connection is over.
        }

        Disconnect();
    }

    private void EnterDisconnected()
    {
        try
        {
            _resources.QueuePair.ModifyToError();
        }
        catch (ObjectDisposedException)
        {
            // Disposed concurrently; nothing left to flush.
        }

        _disconnected.TrySetResult();
    }
}
