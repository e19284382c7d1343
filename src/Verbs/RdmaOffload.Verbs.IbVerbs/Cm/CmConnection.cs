using System.Net;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs.Cm;

/// <summary>An established RDMA CM connection; watches its id for the disconnect.</summary>
internal sealed class CmConnection : IRdmaConnection
{
    private readonly CmEndpoint _endpoint;
    private readonly CmConnectionResources _resources;
    private readonly TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _monitorStop = new();
    private readonly object _lock = new();
    private bool _disconnectRequested;
    private bool _disposed;

    internal CmConnection(CmEndpoint endpoint, CmConnectionResources resources, byte[] remotePrivateData, IPEndPoint remoteEndPoint)
    {
        _endpoint = endpoint;
        _resources = resources;
        RemotePrivateData = remotePrivateData;
        RemoteEndPoint = remoteEndPoint;
        _ = resources.QueuePair.QueryState();
        _ = MonitorAsync();
    }

    public IRdmaDevice Device => _resources.Device;

    public IProtectionDomain ProtectionDomain => _resources.ProtectionDomain;

    public IQueuePair QueuePair => _resources.QueuePair;

    public ICompletionQueue CompletionQueue => _resources.CompletionQueue;

    public ReadOnlyMemory<byte> RemotePrivateData { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public Task Disconnected => _disconnected.Task;

    public void Disconnect()
    {
        lock (_lock)
        {
            if (!_disconnectRequested && !_disposed)
            {
                _disconnectRequested = true;
                // Moves the QP to error (outstanding work is flushed) and tells the peer, which sees
                // RDMA_CM_EVENT_DISCONNECTED; answering a peer's disconnect this way completes it.
                // A failure means the peer already left. This side is disconnected now; it does not
                // wait for the peer's reply.
                _ = ConnectionManager.Disconnect(_endpoint.Id.Pointer);
            }
        }

        _disconnected.TrySetResult();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            if (!_disconnectRequested)
            {
                _disconnectRequested = true;
                _ = ConnectionManager.Disconnect(_endpoint.Id.Pointer);
            }

            _disposed = true;
        }

        _monitorStop.Cancel();
        _resources.Dispose();
        _endpoint.Dispose();
        _disconnected.TrySetResult();
        _monitorStop.Dispose();
    }

    private async Task MonitorAsync()
    {
        try
        {
            while (true)
            {
                var cmEvent = await _endpoint.NextAsync(_monitorStop.Token).ConfigureAwait(false);
                if (cmEvent.Type is CmEventType.Disconnected or CmEventType.DeviceRemoval or CmEventType.TimewaitExit)
                {
                    Disconnect(); // flush our outstanding work and complete the peer's disconnect
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            _disconnected.TrySetResult();
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            _disconnected.TrySetResult();
        }
    }
}
