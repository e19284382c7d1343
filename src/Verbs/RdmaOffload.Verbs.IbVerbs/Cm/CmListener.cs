using System.Net;
using System.Threading.Channels;

namespace RdmaOffload.Verbs.IbVerbs.Cm;

/// <summary>A listening <c>rdma_cm_id</c>; connect requests queue up until taken.</summary>
internal sealed class CmListener : IRdmaListener
{
    private readonly IbVerbsConnectionManager _manager;
    private readonly CmEndpoint _endpoint;
    private readonly RdmaConnectionOptions _options;
    private readonly Channel<CmConnectionRequest> _requests = Channel.CreateUnbounded<CmConnectionRequest>();
    private int _disposed;

    internal CmListener(IbVerbsConnectionManager manager, CmEndpoint endpoint, IPEndPoint localEndPoint, RdmaConnectionOptions options)
    {
        _manager = manager;
        _endpoint = endpoint;
        _options = options;
        LocalEndPoint = localEndPoint;
        endpoint.OnConnectRequest = OnConnectRequest;
    }

    public IPEndPoint LocalEndPoint { get; }

    public async ValueTask<IRdmaConnectionRequest> GetRequestAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        try
        {
            return await _requests.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            throw new ObjectDisposedException("the listener is disposed", e);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _requests.Writer.TryComplete();
        _endpoint.Dispose();
        while (_requests.Reader.TryRead(out var pending))
        {
            pending.Reject(ReadOnlyMemory<byte>.Empty);
        }
    }

    /// <summary>Dispatcher thread: wrap the new id and queue the request.</summary>
    private void OnConnectRequest(CmEvent cmEvent)
    {
        var endpoint = _manager.AdoptRequestId(cmEvent.Id);
        var request = new CmConnectionRequest(_manager, endpoint, cmEvent, _options);
        if (!_requests.Writer.TryWrite(request))
        {
            request.Reject(ReadOnlyMemory<byte>.Empty);
        }
    }
}
