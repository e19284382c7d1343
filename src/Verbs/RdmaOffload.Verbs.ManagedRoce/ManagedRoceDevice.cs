using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RdmaOffload.Verbs.ManagedRoce;

/// <summary>
/// A managed-roce device: one UDP socket, one receive thread dispatching packets to QPs by
/// destination QPN, and one timer thread driving the transports' retransmission and RNR timers.
/// </summary>
public sealed partial class ManagedRoceDevice : IRdmaDevice
{
    private const int SocketLevel = 1;        // SOL_SOCKET (Linux)
    private const int IpProtocolLevel = 0;    // IPPROTO_IP
    private const int IpMtuDiscover = 10;     // IP_MTU_DISCOVER
    private const int IpPmtuDiscoverDo = 2;   // IP_PMTUDISC_DO: always set DF, so Linux sends identification 0

    private readonly ConcurrentDictionary<uint, ManagedQueuePair> _queuePairs = new();
    private readonly ConcurrentDictionary<IDisposable, byte> _children = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _queuePairGate = new();
    private ManagedQueuePair[] _queuePairSnapshot = [];
    private uint _nextQueuePairNumber = 0x11;
    private readonly Thread _receiveThread;
    private readonly Thread _timerThread;
    private readonly AutoResetEvent _timerWake = new(false);
    private volatile bool _disposed;
    private long _timerDeadline = long.MaxValue;

    internal ManagedRoceDevice(ManagedRoceDeviceOptions options, ResourceTracker tracker)
    {
        Options = options;
        Tracker = tracker;
        if (options.BindAddress.Equals(IPAddress.Any) || options.BindAddress.Equals(IPAddress.IPv6Any))
        {
            throw new RdmaException($"managed-roce device {options.Name}: bind a specific address (its GID is derived from it), not {options.BindAddress}");
        }

        Socket = new Socket(options.BindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            SetBufferSizes(Socket, options.SocketBufferBytes);
            if (options.BindAddress.AddressFamily == AddressFamily.InterNetwork && OperatingSystem.IsLinux())
            {
                SetNativeOption(Socket, IpProtocolLevel, IpMtuDiscover, IpPmtuDiscoverDo);
            }

            Socket.Bind(new IPEndPoint(options.BindAddress, options.Port));
        }
        catch (SocketException e)
        {
            Socket.Dispose();
            throw new RdmaException($"managed-roce device {options.Name}: cannot bind UDP {options.BindAddress}:{options.Port}: {e.SocketErrorCode}", e);
        }

        LocalEndPoint = (IPEndPoint)Socket.LocalEndPoint!;
        LocalGid = Gid.FromIPAddress(options.BindAddress);
        DeviceRegistry.Add(this);
        Tracker.Opened(ResourceKind.Device);
        _receiveThread = new Thread(ReceiveLoop) { IsBackground = true, Name = $"{options.Name} receive" };
        _timerThread = new Thread(TimerLoop) { IsBackground = true, Name = $"{options.Name} timers" };
        _receiveThread.Start();
        _timerThread.Start();
    }

    /// <inheritdoc/>
    public string Name => Options.Name;

    /// <summary>The bound UDP endpoint (port filled in when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>GID index 0: the bind address as a GID.</summary>
    public Gid LocalGid { get; }

    /// <summary>Datagrams dropped before reaching a QP: malformed, bad ICRC, unknown QPN.</summary>
    public DeviceCounters Counters { get; } = new();

    /// <inheritdoc/>
    public DeviceAttributes Attributes { get; } = new(
        MaxQueuePairs: 1 << 16,
        MaxQueuePairWorkRequests: 1 << 14,
        MaxScatterGatherEntries: 32,
        MaxCompletionQueues: 1 << 16,
        MaxCompletionQueueEntries: 1 << 20,
        MaxMemoryRegions: 1 << 20,
        MaxMemoryRegionSize: 1UL << 40,
        MaxReadAtomicPerQueuePair: 128);

    internal ManagedRoceDeviceOptions Options { get; }

    internal ResourceTracker Tracker { get; }

    internal Socket Socket { get; }

    /// <summary>
    /// Request packets a QP of this device keeps in flight: 1024, or fewer when the socket's receive
    /// buffer (what the kernel granted; an unprivileged process cannot raise it past
    /// net.core.rmem_max) would not hold that many packets of the active MTU: a window larger than
    /// the buffer turns every burst into loss and go-back-N.
    /// </summary>
    internal int PacketsInFlightLimit
    {
        get
        {
            const int MaxWindow = 1024;
            const int MinWindow = 16;
            const int PerPacketOverhead = 1024; // what the kernel charges per datagram beyond its bytes (skb, page rounding)
            // SO_RCVBUF reads back as the limit the kernel compares those charges with.
            long packets = Socket.ReceiveBufferSize / (ActiveMtu.ToBytes() + PerPacketOverhead);
            return (int)Math.Clamp(packets, MinWindow, MaxWindow);
        }
    }

    /// <summary>Active MTU: 4096 on loopback, else 1024 (fits a 1500-byte Ethernet MTU with headers).</summary>
    internal PathMtu ActiveMtu => IPAddress.IsLoopback(Options.BindAddress) ? PathMtu.Mtu4096 : PathMtu.Mtu1024;

    /// <inheritdoc/>
    public PortAttributes QueryPort(byte portNumber)
    {
        RequirePort(portNumber);
        return new PortAttributes(PortState.Active, PathMtu.Mtu4096, ActiveMtu, 1, RdmaTransport.Ethernet);
    }

    /// <inheritdoc/>
    public Gid QueryGid(byte portNumber, int index)
    {
        RequirePort(portNumber);
        return index == 0 ? LocalGid : throw new RdmaException("ibv_query_gid", 22);
    }

    /// <inheritdoc/>
    public int? FindGidIndex(byte portNumber, IPAddress address)
    {
        RequirePort(portNumber);
        ArgumentNullException.ThrowIfNull(address);
        return Gid.FromIPAddress(address) == LocalGid ? 0 : null;
    }

    /// <inheritdoc/>
    public IProtectionDomain AllocateProtectionDomain()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var domain = new ManagedProtectionDomain(this);
        _children.TryAdd(domain, 0);
        return domain;
    }

    /// <inheritdoc/>
    public ICompletionQueue CreateCompletionQueue(int minimumEntries)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimumEntries);
        if (minimumEntries > Attributes.MaxCompletionQueueEntries)
        {
            throw new RdmaException("ibv_create_cq", 22);
        }

        var queue = new ManagedCompletionQueue(minimumEntries, this);
        _children.TryAdd(queue, 0);
        return queue;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        DeviceRegistry.Remove(this);
        // Children first, as ibv_close_device requires: QPs, then PDs (with their MRs), then CQs.
        foreach (var queuePair in _queuePairs.Values)
        {
            queuePair.Dispose();
        }

        foreach (var child in _children.Keys.OrderBy(c => c is ManagedCompletionQueue ? 1 : 0))
        {
            child.Dispose();
        }

        Socket.Dispose(); // unblocks the receive thread
        _timerWake.Set();
        _receiveThread.Join(TimeSpan.FromSeconds(5));
        _timerThread.Join(TimeSpan.FromSeconds(5));
        _timerWake.Dispose();
        Tracker.Closed(ResourceKind.Device);
    }

    /// <summary>The clock the transports run on, in microseconds.</summary>
    internal static long NowMicroseconds() => (long)(Stopwatch.GetTimestamp() * (1_000_000.0 / Stopwatch.Frequency));

    internal IQueuePair CreateQueuePair(ManagedProtectionDomain domain, QueuePairOptions options)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_queuePairGate)
        {
            uint qpn;
            do
            {
                qpn = _nextQueuePairNumber;
                _nextQueuePairNumber = _nextQueuePairNumber >= 0xFF_FFFF ? 0x11 : _nextQueuePairNumber + 1;
            }
            while (_queuePairs.ContainsKey(qpn));

            var queuePair = new ManagedQueuePair(this, domain, qpn, options);
            _queuePairs[qpn] = queuePair;
            _queuePairSnapshot = [.. _queuePairs.Values];
            return queuePair;
        }
    }

    /// <summary>A PD or CQ was disposed by its owner.</summary>
    internal void Forget(IDisposable child) => _children.TryRemove(child, out _);

    internal void Remove(ManagedQueuePair queuePair)
    {
        lock (_queuePairGate)
        {
            _queuePairs.TryRemove(queuePair.QueuePairNumber, out _);
            _queuePairSnapshot = [.. _queuePairs.Values];
        }
    }

    /// <summary>Wakes the timer thread when <paramref name="deadline"/> (µs) comes before its planned wake-up.</summary>
    internal void WakeTimersBy(long deadline)
    {
        if (deadline < Volatile.Read(ref _timerDeadline))
        {
            Volatile.Write(ref _timerDeadline, deadline);
            _timerWake.Set();
        }
    }

    /// <summary>
    /// UDP port of a peer: explicit (LID convention), the only device of this process with that GID,
    /// this device when the GID is its own, or the default peer port.
    /// </summary>
    internal int ResolvePeerPort(Gid gid, ushort remoteLid) =>
        remoteLid != 0 ? remoteLid
        : DeviceRegistry.FindUniquePort(gid) ?? (gid == LocalGid ? LocalEndPoint.Port : Options.DefaultPeerPort);

    /// <summary>
    /// Large socket buffers absorb bursts of a window of packets; net.core.rmem_max usually caps
    /// SO_RCVBUF far lower, so the *FORCE variants are tried first (they need CAP_NET_ADMIN).
    /// </summary>
    private static void SetBufferSizes(Socket socket, int bytes)
    {
        const int SoSendBufferForce = 32;
        const int SoReceiveBufferForce = 33;
        socket.ReceiveBufferSize = bytes;
        socket.SendBufferSize = bytes;
        if (OperatingSystem.IsLinux())
        {
            try
            {
                SetNativeOption(socket, SocketLevel, SoReceiveBufferForce, bytes);
                SetNativeOption(socket, SocketLevel, SoSendBufferForce, bytes);
            }
            catch (SocketException)
            {
                // Not privileged: keep what the plain options got.
            }
        }
    }

    /// <summary>
    /// Sets a Linux socket option by its native level and name. (SetSocketOption would translate the
    /// values as Windows option names, which differ.)
    /// </summary>
    internal static void SetNativeOption(Socket socket, int level, int name, int value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        socket.SetRawSocketOption(level, name, bytes);
    }

    private static void RequirePort(byte portNumber)
    {
        if (portNumber != 1)
        {
            throw new RdmaException("ibv_query_port", 22);
        }
    }
}

/// <summary>Per-device drop counters.</summary>
public sealed class DeviceCounters
{
    private long _malformed;
    private long _badIcrc;
    private long _unknownQueuePair;
    private long _received;
    private long _coalesced;
    private long _icrcSolved;

    /// <summary>Datagrams received.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Receives that carried several datagrams coalesced by the kernel (UDP GRO).</summary>
    public long Coalesced => Volatile.Read(ref _coalesced);

    /// <summary>
    /// Packets whose ICRC verified only after solving for an unknown IPv4 identification (normal
    /// from kernel rxe; from this provider it would mean a mismatch in identification numbering).
    /// </summary>
    public long IcrcSolved => Volatile.Read(ref _icrcSolved);

    /// <summary>Datagrams that were not valid RoCEv2 RC packets.</summary>
    public long Malformed => Volatile.Read(ref _malformed);

    /// <summary>Packets whose ICRC did not match.</summary>
    public long BadIcrc => Volatile.Read(ref _badIcrc);

    /// <summary>Packets for a QPN that does not exist here.</summary>
    public long UnknownQueuePair => Volatile.Read(ref _unknownQueuePair);

    internal void CountReceived() => Interlocked.Increment(ref _received);

    internal void CountCoalesced() => Interlocked.Increment(ref _coalesced);

    internal void CountIcrcSolved() => Interlocked.Increment(ref _icrcSolved);

    internal void CountMalformed() => Interlocked.Increment(ref _malformed);

    internal void CountBadIcrc() => Interlocked.Increment(ref _badIcrc);

    internal void CountUnknownQueuePair() => Interlocked.Increment(ref _unknownQueuePair);
}
