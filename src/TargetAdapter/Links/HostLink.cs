using System.Net;
using RdmaOffload.Fabric;
using RdmaOffload.Protocol.Link;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.TargetAdapter.Connections;
using RdmaOffload.TargetAdapter.Correlation;
using RdmaOffload.Verbs;

namespace RdmaOffload.TargetAdapter.Links;

/// <summary>
/// The adapter's end of one host link: the link session, the message channel, registered staging memory for the
/// host's client connections and the table of those connections by wq#. Everything runs on the stack's dispatcher
/// thread: the channel polls its completions there too, so a received batch or finished RDMA operation is handled
/// in the turn that polled it, straight from the receive slot.
/// </summary>
internal sealed partial class HostLink : ILinkChannelHandler, IAdmissionCandidate, IDisposable
{
    private readonly AcceleratedConnectionProcessor _processor;
    private readonly AdapterLinkSession _session;
    private readonly LinkChannel _channel;
    private readonly StagingMemory _staging;
    private readonly ClientConnection?[] _bySlot;
    private readonly Dictionary<uint, ClientConnection> _connections = [];
    private readonly Dictionary<ushort, uint> _registeredLimits = [];
    private uint _lastWorkQueue;
    private bool _closed;

    public HostLink(int id, IRdmaConnection connection, AcceleratedConnectionProcessor processor)
    {
        Id = id;
        RemoteEndPoint = connection.RemoteEndPoint;
        _processor = processor;
        var options = processor.Options;
        _session = new AdapterLinkSession(processor.Secret, options.AdapterIdentity, Protocol.Wire.ProtocolVersions.Supported);
        // Frames sent during one turn of the stack thread (a burst of client segments, a batch of completions) share
        // SENDs: the flush runs after the work already posted to that thread. Completions are polled on it as well.
        _channel = new LinkChannel(
            connection, AcceleratedConnectionProcessor.ReceiveSlots, AcceleratedConnectionProcessor.SendQueueDepth,
            scheduleFlush: processor.Dispatcher.Post, schedulePoll: processor.Dispatcher.Post);
        _staging = new StagingMemory(connection.ProtectionDomain, options.MaxConnectionsPerHost, options.WriteStagingSize + options.ReadStagingSize);
        _bySlot = new ClientConnection?[options.MaxConnectionsPerHost];
    }

    public int Id { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public string HostIdentity => _session.HostIdentity;

    public int ActiveConnections => _connections.Count;

    public int ConnectionLimit { get; private set; }

    /// <summary>Staging regions registered so far (they are registered as connections need them).</summary>
    public int StagingRegions => _staging.RegisteredRegions;

    public LinkChannel Channel => _channel;

    public AcceleratedConnectionProcessor Processor => _processor;

    /// <summary>Service ports the host registered.</summary>
    public IReadOnlyList<ushort> RegisteredPorts => [.. _registeredLimits.Keys.Order()];

    public bool TryGetConnection(uint workQueue, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ClientConnection? connection) =>
        _connections.TryGetValue(workQueue, out connection);

    public bool Serves(ushort port) => !_closed && _session.IsRegistered(port) && _staging.FreeCount > 0;

    public void Start() => _channel.Start(this);

    /// <summary>
    /// Opens a client connection on this link (admission already chose it): allocates a wq# and staging. Null, with
    /// the reason, when the staging cannot be registered.
    /// </summary>
    public ClientConnection? TryOpen(NetStack.Tcp.TcpConnection tcp, out string? failure)
    {
        StagingSlot slot;
        try
        {
            if (!_staging.TryTake(out slot))
            {
                failure = "no free staging slot";
                return null;
            }
        }
        catch (RdmaException e)
        {
            failure = $"staging memory could not be registered: {e.Message}";
            return null;
        }

        failure = null;
        var wq = NextWorkQueue();
        var connection = new ClientConnection(this, wq, slot, tcp);
        _bySlot[slot.Index] = connection;
        _connections.Add(wq, connection);
        return connection;
    }

    /// <summary>The connection is finished and sends nothing more: forget its wq#; its staging returns once idle.</summary>
    public void Forget(ClientConnection connection)
    {
        _connections.Remove(connection.WorkQueue);
        ReleaseSlotIfIdle(connection);
    }

    public void ReleaseSlotIfIdle(ClientConnection connection)
    {
        if (connection.IsFinished && connection.OperationsInFlight == 0 && ReferenceEquals(_bySlot[connection.Slot], connection))
        {
            _bySlot[connection.Slot] = null;
            _staging.Release(connection.Slot);
        }
    }

    /// <summary>Closes the link and resets every client connection on it.</summary>
    public void Close(string cause)
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        _session.Close();
        TargetAdapterLog.LinkClosed(_processor.Logger, Id, HostIdentity, cause, _connections.Count);
        foreach (var connection in _connections.Values.ToArray())
        {
            connection.OnLinkLost();
        }

        _processor.OnLinkClosed(this);
        // Disposing waits for the completion loop, which may be posting to this thread: do it elsewhere.
        _ = Task.Run(() =>
        {
            _channel.Dispose();
            _staging.Dispose();
        });
    }

    /// <summary>Same as <see cref="Close"/> (the link releases its queue pair and memory in the background).</summary>
    public void Dispose() => Close("disposed");

    void ILinkChannelHandler.OnBatch(ReadOnlySpan<byte> batch)
    {
        if (!_closed)
        {
            HandleBatch(batch);
        }
    }

    void ILinkChannelHandler.OnOperationCompleted(ulong token, bool success)
    {
        if (_bySlot[(int)(token >> 1)] is { } connection)
        {
            connection.OnOperationCompleted(isRead: (token & 1) != 0);
        }
    }

    // Also raised from the connection's disconnect continuation, on another thread: hop onto the dispatcher.
    void ILinkChannelHandler.OnChannelFailed(string cause) => _processor.Dispatcher.Post(() => Close(cause));

    /// <summary>The token that routes an RDMA operation's completion back to the connection in <paramref name="slot"/>.</summary>
    public static ulong OperationToken(int slot, bool isRead) => ((ulong)slot << 1) | (isRead ? 1UL : 0UL);

    private uint NextWorkQueue()
    {
        do
        {
            _lastWorkQueue = _lastWorkQueue == uint.MaxValue ? 1 : _lastWorkQueue + 1;
        }
        while (_connections.ContainsKey(_lastWorkQueue));

        return _lastWorkQueue;
    }

    private void OnRegistered(ushort port, uint hostLimit)
    {
        _registeredLimits[port] = hostLimit;
        var options = _processor.Options;
        ConnectionLimit = AdmissionLimits.ConnectionLimit(options.Admission, options.MaxConnectionsPerHost, options.TargetConnectionCap ?? options.MaxConnectionsPerHost, _registeredLimits.Values);
    }
}
