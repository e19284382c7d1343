using System.Net;
using System.Net.Sockets;

namespace RdmaOffload.Verbs.ManagedRoce.ConnectionManagement;

/// <summary>A rendezvous listener: accepts TCP connections and reads their connection requests.</summary>
internal sealed class TcpRdmaListener : IRdmaListener
{
    private readonly TcpConnectionManager _manager;
    private readonly TcpListener _listener;
    private readonly RdmaConnectionOptions _options;
    private int _disposed;

    public TcpRdmaListener(TcpConnectionManager manager, TcpListener listener, RdmaConnectionOptions options)
    {
        _manager = manager;
        _listener = listener;
        _options = options;
        LocalEndPoint = (IPEndPoint)listener.LocalEndpoint;
        manager.Tracker.Opened(ResourceKind.ConnectionId);
    }

    public IPEndPoint LocalEndPoint { get; }

    public async ValueTask<IRdmaConnectionRequest> GetRequestAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException && _disposed != 0)
            {
                throw new ObjectDisposedException(nameof(TcpRdmaListener), e);
            }

            client.NoDelay = true;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_options.Timeout);
            try
            {
                var request = await RendezvousMessage.ReadAsync(client.GetStream(), deadline.Token).ConfigureAwait(false);
                if (request.Type == RendezvousType.Request)
                {
                    return new TcpConnectionRequest(_manager, client, request, LocalEndPoint.Address, _options);
                }
            }
            catch (Exception e) when (e is IOException or RdmaConnectionException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // A peer that does not speak the rendezvous (or gives up) is dropped; keep listening.
            }

            client.Dispose();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _listener.Stop();
        _manager.Tracker.Closed(ResourceKind.ConnectionId);
    }
}
