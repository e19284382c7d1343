using System.Net;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RdmaOffload.Fabric;
using RdmaOffload.HostAgent.Memory;
using RdmaOffload.Protocol;
using RdmaOffload.Protocol.Auth;
using RdmaOffload.Protocol.Link;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;
using RdmaOffload.Verbs;

namespace RdmaOffload.HostAgent;

/// <summary>
/// A host's link to one target adapter, offering one service port: client connections the adapter terminates
/// arrive through <see cref="AcceptAsync"/>. One RC queue pair carries every connection's messages.
/// </summary>
public sealed partial class AcceleratedListener : IAsyncDisposable, ILinkChannelHandler
{
    // Guards the link session, the connection table and every connection's protocol session: the protocol types
    // are single-threaded, and both the completion loop and application threads drive them.
    private readonly Lock _gate = new();
    private readonly HostAgentOptions _options;
    private readonly ILogger _logger;
    private readonly SharedSecret _secret;
    private readonly HostLinkSession _session;
    private readonly LinkChannel _channel;
    private readonly ReceiveBufferPool _receiveBuffers;
    private readonly SendBufferPool _sendBuffers;
    private readonly RegisteredMemoryPool _memoryPool;
    private readonly Dictionary<uint, AcceleratedConnection> _connections = [];
    private readonly Channel<AcceleratedConnection> _accepted = Channel.CreateUnbounded<AcceleratedConnection>();
    private readonly TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _bytesSentInPlace;
    private long _bytesSentByCopy;
    private int _disposed;

    private AcceleratedListener(HostAgentOptions options, LinkChannel channel, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _channel = channel;
        _secret = new SharedSecret(options.SharedSecret);
        _session = new HostLinkSession(_secret, options.HostIdentity, ProtocolVersions.Supported, Bytes32.Read(RandomNumberGenerator.GetBytes(Bytes32.Length)));
        var domain = channel.Connection.ProtectionDomain;
        _receiveBuffers = new ReceiveBufferPool(domain, options.MaxConnections * options.ReceiveBuffersPerConnection, options.ReceiveBufferSize);
        _sendBuffers = new SendBufferPool(domain, options.SendBufferCount, options.SendBufferSize);
        _memoryPool = new RegisteredMemoryPool(domain, options.MemoryPool);
    }

    /// <summary>The adapter's identity, proven during authentication.</summary>
    public string AdapterIdentity => _session.AdapterIdentity;

    /// <summary>
    /// Registered memory of this link: connections' output pipes write into it, and buffers rented from it (or
    /// regions allocated in it) can be sent without a copy with <see cref="AcceleratedConnection.SendAsync"/>.
    /// </summary>
    public RegisteredMemoryPool MemoryPool => _memoryPool;

    /// <summary>Bytes handed to the adapter straight from registered memory (pipe segments, <c>SendAsync</c> buffers).</summary>
    public long BytesSentInPlace => Interlocked.Read(ref _bytesSentInPlace);

    /// <summary>Bytes that had to be copied into registered send buffers first (memory outside the registered pool).</summary>
    public long BytesSentByCopy => Interlocked.Read(ref _bytesSentByCopy);

    /// <summary>The service port this link registered.</summary>
    public ushort ServicePort => _options.ServicePort;

    /// <summary>Completes with the cause when the link to the adapter is lost.</summary>
    public Task<string> Failed => _failed.Task;

    /// <summary>
    /// Connects to the adapter, authenticates both ways with the shared secret and registers the service port.
    /// Throws <see cref="System.Security.Authentication.AuthenticationException"/> when either proof fails and
    /// <see cref="IOException"/> when the adapter refuses or the link fails.
    /// </summary>
    public static async Task<AcceleratedListener> ConnectAsync(
        IConnectionManager connectionManager, HostAgentOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionManager);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var rdmaOptions = new RdmaConnectionOptions
        {
            MaxSendWorkRequests = SendQueueDepth,
            MaxReceiveWorkRequests = ReceiveSlots,
            CompletionQueueEntries = 2 * (SendQueueDepth + ReceiveSlots),
            Timeout = options.ConnectTimeout,
            AckTimeout = options.LinkAckTimeout,
        };
        var connection = await connectionManager.ConnectAsync(options.AdapterEndPoint, rdmaOptions, ReadOnlyMemory<byte>.Empty, cancellationToken)
            .ConfigureAwait(false);
        AcceleratedListener? listener = null;
        try
        {
            listener = new AcceleratedListener(options, new LinkChannel(connection, ReceiveSlots, SendQueueDepth), logger ?? NullLogger.Instance);
            listener.Start();
            await listener._registered.Task.WaitAsync(options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            HostAgentLog.LinkRegistered(listener._logger, options.AdapterEndPoint, listener.AdapterIdentity, options.ServicePort);
            return listener;
        }
        catch
        {
            if (listener is null)
            {
                connection.Dispose();
            }
            else
            {
                await listener.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>The next client connection the adapter opened to this host.</summary>
    public ValueTask<AcceleratedConnection> AcceptAsync(CancellationToken cancellationToken = default) =>
        _accepted.Reader.ReadAsync(cancellationToken);

    /// <summary>Closes the link; the adapter resets this host's client connections.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        lock (_gate)
        {
            if (_session.State != LinkState.Closing)
            {
                _channel.Send(0, new LinkClose(LinkCloseReason.Shutdown));
                _session.Close();
            }
        }

        FailLink("closed by this host", notifyLog: false);
        _channel.Dispose();
        _receiveBuffers.Dispose();
        _sendBuffers.Dispose();
        _memoryPool.Dispose();
        _secret.Dispose();
        return ValueTask.CompletedTask;
    }

    internal const int ReceiveSlots = 128;
    internal const int SendQueueDepth = 512;

    internal Lock Gate => _gate;

    internal ILogger Logger => _logger;

    internal LinkChannel Transport => _channel;

    internal ReceiveBufferPool ReceiveBuffers => _receiveBuffers;

    internal SendBufferPool SendBuffers => _sendBuffers;

    internal HostAgentOptions Options => _options;

    /// <summary>Makes the exception a connection's pipes fail with; a transport layer may substitute its own types.</summary>
    internal Func<ConnectionError, string, Exception> ErrorFactory { get; set; } = static (_, message) => new IOException(message);

    internal void CountSent(int length, bool copied) => Interlocked.Add(ref copied ? ref _bytesSentByCopy : ref _bytesSentInPlace, length);

    internal Exception CreateError(ConnectionError kind, string message) => ErrorFactory(kind, message);

    /// <summary>Called under the gate once a connection reached a terminal state.</summary>
    internal void Forget(AcceleratedConnection connection)
    {
        if (_connections.TryGetValue(connection.WorkQueue, out var known) && ReferenceEquals(known, connection))
        {
            _connections.Remove(connection.WorkQueue);
        }
    }

    private void Start()
    {
        _channel.Start(this);
        lock (_gate)
        {
            _channel.Send(0, _session.CreateHello());
        }
    }

    void ILinkChannelHandler.OnOperationCompleted(ulong token, bool success)
    {
        // The host posts no one-sided operations.
    }

    void ILinkChannelHandler.OnChannelFailed(string cause) => FailLink(cause, notifyLog: true);

    private void FailLink(string cause, bool notifyLog)
    {
        AcceleratedConnection[] orphans;
        lock (_gate)
        {
            if (!_failed.TrySetResult(cause))
            {
                return;
            }

            _session.Close();
            orphans = [.. _connections.Values];
            _connections.Clear();
        }

        if (notifyLog)
        {
            HostAgentLog.LinkFailed(_logger, _options.AdapterEndPoint, cause);
        }

        var error = _registered.Task.IsCompleted ? null : new IOException($"Link to the adapter failed: {cause}");
        if (error is not null)
        {
            _registered.TrySetException(error);
        }

        foreach (var connection in orphans)
        {
            connection.OnLinkLost(cause);
        }

        _accepted.Writer.TryComplete(new IOException($"Link to the adapter is gone: {cause}"));
    }
}
