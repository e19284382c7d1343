using RdmaOffload.NetStack.Ip;
using RdmaOffload.NetStack.Link;
using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack;

/// <summary>
/// A sans-IO Ethernet/ARP/IPv4/ICMP/TCP endpoint for one interface. Feed received frames to <see cref="Handle"/>,
/// call <see cref="Poll"/> after API calls and whenever <see cref="NextPollTime"/> is reached; outgoing frames go to the
/// <see cref="IFrameSink"/>. Time is always passed in (microseconds on any monotonic clock); the stack never reads a
/// clock, never blocks and is not thread-safe — one thread drives it.
/// </summary>
public sealed partial class NetworkStack
{
    private readonly NetworkStackOptions _options;
    private readonly IFrameSink _sink;
    private readonly ArpCache _arp;
    private readonly Ipv4Reassembler _reassembler;
    private readonly SequenceSecrets _secrets;
    private readonly Dictionary<TcpFourTuple, TcpConnection> _connections = [];
    private readonly Dictionary<ushort, TcpListener> _listeners = [];
    private readonly PriorityQueue<TcpConnection, long> _timers = new();
    private readonly List<TcpConnection> _outputQueue = [];
    private readonly HashSet<TcpConnection> _outputQueued = [];
    private readonly List<TcpConnection> _outputBatch = [];
    private long _now;
    private ushort _ipIdentification;
    private ushort _nextEphemeralPort;
    private long _challengeAckWindowStart;
    private int _challengeAcksInWindow;

    /// <summary>Creates a stack that transmits through <paramref name="sink"/>.</summary>
    public NetworkStack(NetworkStackOptions options, IFrameSink sink)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        if (options.Mtu is < 576 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MTU must be between 576 and 65535.");
        }

        _options = options;
        _sink = sink;
        _arp = new ArpCache(options.ArpEntryLifetime, options.ArpCacheCapacity);
        _reassembler = new Ipv4Reassembler(options.ReassemblyMaxDatagrams, options.ReassemblyMaxBytes, options.ReassemblyTimeout);
        _secrets = options.SequenceSecret is null ? SequenceSecrets.CreateRandom() : new SequenceSecrets(options.SequenceSecret);
        _nextEphemeralPort = options.EphemeralPortStart;
    }

    /// <summary>The configuration.</summary>
    public NetworkStackOptions Options => _options;

    /// <summary>Connections in the table (all states, including TIME-WAIT).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Counters for diagnostics and tests.</summary>
    public NetworkStackCounters Counters { get; } = new();

    /// <summary>Payload bytes per TCP segment the interface MTU allows (before options).</summary>
    public int LocalMss => _options.Mtu - Ipv4Packet.MinHeaderLength - TcpSegment.MinHeaderLength;

    /// <summary>
    /// The time by which <see cref="Poll"/> must next be called (a timer expires or output is pending),
    /// or <see cref="long.MaxValue"/>.
    /// </summary>
    public long NextPollTime
    {
        get
        {
            if (_outputQueue.Count > 0)
            {
                return _now;
            }

            var next = _reassembler.InProgress > 0 ? _reassembler.NextExpiry : long.MaxValue;
            while (_timers.TryPeek(out var connection, out var at))
            {
                if (connection.ScheduledWakeup == at && connection.State != TcpState.Closed)
                {
                    return Math.Min(next, at);
                }

                _timers.Dequeue(); // stale entry
            }

            return next;
        }
    }

    /// <summary>Processes one received Ethernet frame. Malformed or foreign frames are dropped and counted.</summary>
    /// <param name="frame">The frame, without FCS.</param>
    /// <param name="now">Current time in microseconds.</param>
    /// <param name="checksumsVerified">True when the link already validated L4 checksums (vnet header DATA_VALID).</param>
    public void Handle(ReadOnlySpan<byte> frame, long now, bool checksumsVerified = false)
    {
        _now = now;
        Counters.FramesReceived++;
        if (!EthernetFrame.TryParse(frame, out var ethernet))
        {
            Counters.FramesDropped++;
            return;
        }

        var destination = ethernet.Destination;
        if (destination != _options.MacAddress && destination != MacAddress.Broadcast)
        {
            Counters.FramesDropped++;
            return;
        }

        switch (ethernet.EtherType)
        {
            case EtherType.Arp:
                HandleArp(ethernet.Payload, now);
                break;
            case EtherType.Ipv4:
                HandleIpv4(ethernet.Payload, now, checksumsVerified);
                break;
            default:
                Counters.FramesDropped++;
                break;
        }

        FlushOutput(now);
    }

    /// <summary>Runs expired timers and sends pending output.</summary>
    public void Poll(long now)
    {
        _now = now;
        while (_timers.TryPeek(out var connection, out var at) && at <= now)
        {
            _timers.Dequeue();
            if (connection.ScheduledWakeup != at || connection.State == TcpState.Closed)
            {
                continue;
            }

            connection.ScheduledWakeup = long.MaxValue;
            connection.OnTimer(now);
            if (connection.State != TcpState.Closed)
            {
                MarkForOutput(connection);
            }
        }

        if (_reassembler.InProgress > 0)
        {
            _reassembler.Expire(now);
        }

        FlushOutput(now);
    }

    /// <summary>Starts listening on <paramref name="port"/>.</summary>
    public TcpListener Listen(ushort port, ITcpAcceptHandler acceptHandler, int? synBacklog = null)
    {
        ArgumentNullException.ThrowIfNull(acceptHandler);
        if (_listeners.ContainsKey(port))
        {
            throw new InvalidOperationException($"Port {port} already has a listener.");
        }

        var listener = new TcpListener(port, acceptHandler, synBacklog ?? _options.Tcp.SynBacklog);
        _listeners[port] = listener;
        return listener;
    }

    /// <summary>Stops a listener; established connections are unaffected.</summary>
    public void StopListening(TcpListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        listener.IsClosed = true;
        _listeners.Remove(listener.Port);
    }

    /// <summary>Opens a connection (active open). The SYN goes out immediately.</summary>
    public TcpConnection Connect(Ipv4Address remoteAddress, ushort remotePort, ITcpConnectionHandler handler, long now, ushort localPort = 0)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _now = now;
        var tuple = new TcpFourTuple(_options.Address, localPort == 0 ? AllocateEphemeralPort(remoteAddress, remotePort) : localPort, remoteAddress, remotePort);
        if (_connections.ContainsKey(tuple))
        {
            throw new InvalidOperationException($"Connection {tuple} already exists.");
        }

        var connection = new TcpConnection(this, tuple, _options.Tcp, LocalMss);
        _connections[tuple] = connection;
        connection.OpenActive(_secrets.InitialSequenceNumber(tuple, now), handler, now);
        Schedule(connection);
        return connection;
    }

    /// <summary>Announces our address with a gratuitous ARP request (e.g. after start or a MAC change).</summary>
    public void AnnounceAddress(long now)
    {
        _now = now;
        SendArp(ArpOperation.Request, MacAddress.Broadcast, MacAddress.Zero, _options.Address);
    }

    /// <summary>Seeds the ARP cache (static neighbour).</summary>
    public void AddNeighbor(Ipv4Address address, MacAddress mac, long now) => _arp.Update(address, mac, now);

    /// <summary>One line per connection with its window accounting (diagnostics and test failure messages).</summary>
    internal string DescribeConnections() => string.Join(";", _connections.Values.Select(c => c.DescribeWindows()));

    internal void MarkForOutput(TcpConnection connection)
    {
        if (_outputQueued.Add(connection))
        {
            _outputQueue.Add(connection);
        }
    }

    internal void Remove(TcpConnection connection)
    {
        _connections.Remove(connection.FourTuple);
        Counters.ConnectionsClosed++;
    }

    /// <summary>RFC 5961 §7 rate limit for challenge ACKs, stack-wide per second.</summary>
    internal bool TryTakeChallengeAckToken(long now)
    {
        if (now - _challengeAckWindowStart >= 1_000_000)
        {
            _challengeAckWindowStart = now;
            _challengeAcksInWindow = 0;
        }

        if (_challengeAcksInWindow >= _options.Tcp.ChallengeAckLimitPerSecond)
        {
            return false;
        }

        _challengeAcksInWindow++;
        Counters.ChallengeAcksSent++;
        return true;
    }

    private void FlushOutput(long now)
    {
        // Connections can re-queue themselves while we iterate (more to send, or a callback), so work on a copy.
        while (_outputQueue.Count > 0)
        {
            _outputBatch.Clear();
            _outputBatch.AddRange(_outputQueue);
            _outputQueue.Clear();
            _outputQueued.Clear();
            var again = false;
            foreach (var connection in _outputBatch)
            {
                if (connection.State == TcpState.Closed)
                {
                    continue;
                }

                if (connection.Output(now))
                {
                    again = true;
                    MarkForOutput(connection);
                }

                Schedule(connection);
            }

            if (again)
            {
                break; // leave the rest for the next Poll so Handle returns promptly
            }
        }
    }

    private void Schedule(TcpConnection connection)
    {
        var deadline = connection.NextDeadline;
        if (deadline < connection.ScheduledWakeup)
        {
            connection.ScheduledWakeup = deadline;
            _timers.Enqueue(connection, deadline);
        }
    }

    private ushort AllocateEphemeralPort(Ipv4Address remoteAddress, ushort remotePort)
    {
        for (var attempt = 0; attempt < 65536; attempt++)
        {
            var port = _nextEphemeralPort;
            _nextEphemeralPort = _nextEphemeralPort == ushort.MaxValue ? _options.EphemeralPortStart : (ushort)(_nextEphemeralPort + 1);
            if (!_listeners.ContainsKey(port) && !_connections.ContainsKey(new TcpFourTuple(_options.Address, port, remoteAddress, remotePort)))
            {
                return port;
            }
        }

        throw new InvalidOperationException("No ephemeral port is free.");
    }
}
