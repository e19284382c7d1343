using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RdmaOffload.NetStack.Api;
using RdmaOffload.NetStack.Tcp;
using RdmaOffload.Protocol.Auth;
using RdmaOffload.TargetAdapter.Admin;
using RdmaOffload.TargetAdapter.Connections;
using RdmaOffload.TargetAdapter.Correlation;
using RdmaOffload.TargetAdapter.Links;
using RdmaOffload.Verbs;

namespace RdmaOffload.TargetAdapter;

/// <summary>
/// The accelerated path of a target adapter: accepts host links on a connection manager, listens on the
/// service ports of a NetStack, and joins each client TCP connection to a host picked round robin. All state
/// lives on the stack's dispatcher thread.
/// </summary>
public sealed class AcceleratedConnectionProcessor : ITcpAcceptHandler, IAsyncDisposable
{
    internal const int ReceiveSlots = 256;
    internal const int SendQueueDepth = 1024;

    private readonly IRdmaListener _linkListener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<HostLink> _links = [];
    private readonly HostSelector<HostLink> _selector = new();
    private readonly Correlator _correlator = new();
    private readonly Action _pollKeepalives;
    private Timer? _keepaliveTimer;
    private Task _acceptLoop = Task.CompletedTask;
    private int _nextLinkId;

    private AcceleratedConnectionProcessor(IStackDispatcher dispatcher, IRdmaListener linkListener, TargetAdapterOptions options, ILogger logger)
    {
        Dispatcher = dispatcher;
        _linkListener = linkListener;
        Options = options;
        Logger = logger;
        Secret = new SharedSecret(options.SharedSecret);
        _pollKeepalives = () =>
        {
            foreach (var link in _links.ToArray())
            {
                link.PollKeepalive();
            }
        };
    }

    /// <summary>Where hosts connect their links.</summary>
    public IPEndPoint LinkEndPoint => _linkListener.LocalEndPoint;

    internal IStackDispatcher Dispatcher { get; }

    internal TargetAdapterOptions Options { get; }

    internal ILogger Logger { get; }

    internal SharedSecret Secret { get; }

    internal Correlator Correlator => _correlator;

    /// <summary>
    /// Starts accepting host links on <paramref name="linkEndPoint"/> and listening on every service port of the
    /// stack driven by <paramref name="dispatcher"/>.
    /// </summary>
    public static async Task<AcceleratedConnectionProcessor> StartAsync(
        IStackDispatcher dispatcher, IConnectionManager connectionManager, IPEndPoint linkEndPoint, TargetAdapterOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(connectionManager);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (dispatcher.Stack.Options.Tcp.InitialReceiveCredit > options.WriteStagingSize)
        {
            throw new ArgumentException(
                $"The stack grants {dispatcher.Stack.Options.Tcp.InitialReceiveCredit} bytes of initial receive credit; the write staging holds {options.WriteStagingSize}.",
                nameof(options));
        }

        var listener = connectionManager.Listen(linkEndPoint, LinkOptions(options));
        var processor = new AcceleratedConnectionProcessor(dispatcher, listener, options, logger ?? NullLogger.Instance);
        foreach (var port in options.ServicePorts)
        {
            await dispatcher.InvokeAsync(() => dispatcher.Stack.Listen(port, processor)).ConfigureAwait(false);
        }

        processor._acceptLoop = Task.Run(processor.AcceptLinksAsync);
        var tick = options.KeepaliveInterval < options.KeepaliveTimeout ? options.KeepaliveInterval / 4 : options.KeepaliveTimeout / 4;
        processor._keepaliveTimer = new Timer(static state => ((AcceleratedConnectionProcessor)state!).Dispatcher.Post(((AcceleratedConnectionProcessor)state!)._pollKeepalives), processor, tick, tick);
        return processor;
    }

    /// <summary>Live accelerated connections (read on the dispatcher thread).</summary>
    public Task<int> GetConnectionCountAsync() => Dispatcher.InvokeAsync(() => _correlator.Count);

    /// <summary>The correlator's entries with each connection's host and counters (read on the dispatcher thread).</summary>
    public Task<IReadOnlyList<ConnectionSnapshot>> GetConnectionsAsync() => Dispatcher.InvokeAsync<IReadOnlyList<ConnectionSnapshot>>(() =>
    {
        var result = new List<ConnectionSnapshot>(_correlator.Count);
        foreach (var (client, linkId, workQueue) in _correlator.Entries)
        {
            var link = _links.Find(l => l.Id == linkId);
            if (link is null || !link.TryGetConnection(workQueue, out var connection))
            {
                continue;
            }

            result.Add(new ConnectionSnapshot(
                new IPEndPoint(client.RemoteAddress.ToIPAddress(), client.RemotePort),
                new IPEndPoint(client.LocalAddress.ToIPAddress(), client.LocalPort),
                linkId, link.HostIdentity, workQueue, connection.TcpState.ToString(), connection.BytesIn, connection.BytesOut, connection.Age));
        }

        return result;
    });

    /// <summary>The live host links (read on the dispatcher thread).</summary>
    public Task<IReadOnlyList<HostLinkSnapshot>> GetHostsAsync() => Dispatcher.InvokeAsync<IReadOnlyList<HostLinkSnapshot>>(() =>
        [.. _links.Select(l => new HostLinkSnapshot(l.Id, l.HostIdentity, l.RemoteEndPoint, l.RegisteredPorts, l.ActiveConnections, l.ConnectionLimit, l.KeepaliveRoundTripMicros))]);

    /// <summary>Per live link, the round trip of its last answered keepalive ping (diagnostics and tests).</summary>
    internal Task<long?[]> GetKeepaliveRoundTripsAsync() => Dispatcher.InvokeAsync(() => _links.Select(l => l.KeepaliveRoundTripMicros).ToArray());

    /// <summary>Stops accepting, closes every link (resetting their client connections).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_keepaliveTimer is not null)
        {
            await _keepaliveTimer.DisposeAsync().ConfigureAwait(false);
        }

        _linkListener.Dispose();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        await Dispatcher.InvokeAsync(() =>
        {
            foreach (var link in _links.ToArray())
            {
                link.Close("adapter shutting down");
            }

            return 0;
        }).ConfigureAwait(false);
        Secret.Dispose();
        _stop.Dispose();
    }

    ITcpConnectionHandler? ITcpAcceptHandler.OnConnectionEstablished(TcpConnection connection)
    {
        var port = connection.FourTuple.LocalPort;
        var link = _selector.Select(_links, port);
        if (link is null)
        {
            TargetAdapterLog.NoHost(Logger, connection.FourTuple.ToString(), port);
            return null;
        }

        connection.NagleEnabled = !Options.NoDelay;
        if (link.TryOpen(connection, out var failure) is not { } client)
        {
            TargetAdapterLog.OpenFailed(Logger, connection.FourTuple.ToString(), link.HostIdentity, failure!);
            return null;
        }

        _ = _correlator.TryAdd(connection.FourTuple, link.Id, client.WorkQueue);
        client.SendOpen();
        return client;
    }

    internal void OnConnectionFinished(ClientConnection connection) => _correlator.Remove(connection.FourTuple);

    internal void OnLinkClosed(HostLink link) => _links.Remove(link);

    private static RdmaConnectionOptions LinkOptions(TargetAdapterOptions options) => new()
    {
        MaxSendWorkRequests = SendQueueDepth,
        MaxReceiveWorkRequests = ReceiveSlots,
        CompletionQueueEntries = 2 * (SendQueueDepth + ReceiveSlots),
        Timeout = TimeSpan.FromSeconds(15),
        AckTimeout = options.LinkAckTimeout,
    };

    private async Task AcceptLinksAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            IRdmaConnectionRequest request;
            try
            {
                request = await _linkListener.GetRequestAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            using (request)
            {
                try
                {
                    var connection = await request.AcceptAsync(ReadOnlyMemory<byte>.Empty, _stop.Token).ConfigureAwait(false);
                    var id = Interlocked.Increment(ref _nextLinkId);
                    Dispatcher.Post(() =>
                    {
                        HostLink link;
                        try
                        {
                            link = new HostLink(id, connection, this);
                        }
                        catch (RdmaException e)
                        {
                            TargetAdapterLog.LinkRejected(Logger, id, connection.RemoteEndPoint, e.Message);
                            connection.Dispose();
                            return;
                        }

                        _links.Add(link);
                        link.Start();
                    });
                }
                catch (RdmaException e)
                {
                    TargetAdapterLog.LinkRejected(Logger, -1, request.RemoteEndPoint, e.Message);
                }
            }
        }
    }
}
