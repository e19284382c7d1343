using System.Threading.Channels;
using RdmaOffload.Verbs.IbVerbs.Handles;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs.Cm;

/// <summary>An <c>rdma_cm_id</c> and the queue of events the connection manager routed to it.</summary>
internal sealed class CmEndpoint : IDisposable
{
    private readonly IbVerbsConnectionManager _manager;
    private readonly Channel<CmEvent> _events = Channel.CreateUnbounded<CmEvent>(new UnboundedChannelOptions { SingleReader = true });
    private int _disposed;

    internal CmEndpoint(IbVerbsConnectionManager manager, CmIdHandle id)
    {
        _manager = manager;
        Id = id;
    }

    internal CmIdHandle Id { get; }

    /// <summary>Set for listeners: connect requests go here instead of the event queue.</summary>
    internal Action<CmEvent>? OnConnectRequest { get; set; }

    internal void Deliver(CmEvent cmEvent)
    {
        if (cmEvent.Type == CmEventType.ConnectRequest && OnConnectRequest is { } onRequest)
        {
            onRequest(cmEvent);
            return;
        }

        _events.Writer.TryWrite(cmEvent);
    }

    /// <summary>The next event for this id.</summary>
    internal ValueTask<CmEvent> NextAsync(CancellationToken cancellationToken) => _events.Reader.ReadAsync(cancellationToken);

    /// <summary>Waits for <paramref name="expected"/>; any other event fails the step.</summary>
    internal async Task<CmEvent> ExpectAsync(CmEventType expected, string step, CancellationToken cancellationToken)
    {
        var cmEvent = await NextAsync(cancellationToken).ConfigureAwait(false);
        if (cmEvent.Type == expected)
        {
            return cmEvent;
        }

        if (cmEvent.Type == CmEventType.Rejected)
        {
            throw new RdmaConnectionException($"RDMA CM: {step}: the peer rejected the connection (reason {cmEvent.Status})", rejected: true, cmEvent.PrivateData);
        }

        throw new RdmaConnectionException($"RDMA CM: {step}: expected {expected}, got {cmEvent}");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _manager.Forget(this);
            _events.Writer.TryComplete();
            Id.Dispose();
        }
    }
}
