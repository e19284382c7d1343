using System.Net;
using System.Net.Sockets;

namespace RdmaOffload.Verbs.ManagedRoce.ConnectionManagement;

/// <summary>A received connection request, answered with an accept (QP in RTS) or a reject.</summary>
internal sealed class TcpConnectionRequest : IRdmaConnectionRequest
{
    private readonly TcpConnectionManager _manager;
    private readonly TcpClient _client;
    private readonly RendezvousMessage _request;
    private readonly IPAddress _localAddress;
    private readonly RdmaConnectionOptions _options;
    private int _answered;
    private int _disposed;

    public TcpConnectionRequest(TcpConnectionManager manager, TcpClient client, RendezvousMessage request, IPAddress localAddress, RdmaConnectionOptions options)
    {
        _manager = manager;
        _client = client;
        _request = request;
        _localAddress = localAddress;
        _options = options;
        RemoteEndPoint = (IPEndPoint)client.Client.RemoteEndPoint!;
        manager.Tracker.Opened(ResourceKind.ConnectionId);
    }

    public IPEndPoint RemoteEndPoint { get; }

    public ReadOnlyMemory<byte> PrivateData => _request.PrivateData;

    public async Task<IRdmaConnection> AcceptAsync(ReadOnlyMemory<byte> privateData, CancellationToken cancellationToken = default)
    {
        TakeAnswer();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        ConnectionResources? resources = null;
        try
        {
            resources = ConnectionResources.Create(_manager, _localAddress, _options);
            uint psn = TcpConnectionManager.NewPsn();
            resources.Connect(psn, _request.Endpoint);
            var stream = _client.GetStream();
            await new RendezvousMessage(RendezvousType.Accept, resources.LocalEndpoint(psn), privateData).WriteAsync(stream, deadline.Token).ConfigureAwait(false);
            var ready = await RendezvousMessage.ReadAsync(stream, deadline.Token).ConfigureAwait(false);
            if (ready.Type != RendezvousType.Ready)
            {
                throw new RdmaConnectionException($"rendezvous: expected ready, got {ready.Type}");
            }

            return new ManagedRdmaConnection(resources, _client, _request.PrivateData, RemoteEndPoint);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or RdmaException)
        {
            resources?.Dispose();
            _client.Dispose();
            if (e is RdmaConnectionException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw;
            }

            throw new RdmaConnectionException($"accepting {RemoteEndPoint} failed: {e.Message}", e);
        }
    }

    public void Reject(ReadOnlyMemory<byte> privateData)
    {
        TakeAnswer();
        try
        {
            var frame = new RendezvousMessage(RendezvousType.Reject, default, privateData).Encode();
            _client.GetStream().Write(frame);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            // The requester is gone; nothing to tell.
        }
        finally
        {
            _client.Dispose();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (Volatile.Read(ref _answered) == 0)
        {
            _client.Dispose();
        }

        _manager.Tracker.Closed(ResourceKind.ConnectionId);
    }

    private void TakeAnswer()
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            throw new InvalidOperationException("the request was already accepted or rejected");
        }
    }
}
