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
    private int _disconnectRequested;
    private int _disposed;

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
        if (Interlocked.Exchange(ref _disconnectRequested, 1) == 0 && _disposed == 0)
        {
            // Moves the QP to error (outstanding work is flushed) and tells the peer, which sees
            // RDMA_CM_EVENT_DISCONNECTED. A failure means the peer already left. This side is
            // disconnected now; it does not wait for the peer's DREP (which may never come).
            _ = ConnectionManager.Disconnect(_endpoint.Id.Pointer);
        }

        _disconnected.TrySetResult();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (Interlocked.Exchange(ref _disconnectRequested, 1) == 0)
        {
            _ = ConnectionManager.Disconnect(_endpoint.Id.Pointer);
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
                    _disconnected.TrySetResult();
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
