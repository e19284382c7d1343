using System.Net;
using System.Net.Sockets;
using RdmaOffload.Verbs.ManagedRoce.Transport;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce;

/// <summary>
/// An RC queue pair: the sans-IO <see cref="RcTransport"/> behind a lock, fed by the device's receive
/// and timer threads and by the poster's thread, emitting through the device's UDP socket.
/// </summary>
internal sealed class ManagedQueuePair : IQueuePair, IPacketTransmitter, Interop.IDatagramFinalizer
{
    private const int MaxPollRoundsPerEvent = 16;
    private const int SendBatchSize = 64;

    private readonly ManagedRoceDevice _device;
    private readonly RcTransport _transport;
    private readonly Lock _gate = new();
    private bool _pollAfterBatch;
    private readonly byte[] _transmitBuffer = new byte[RocePacketWriter.PacketLength(RoceOpcode.RdmaWriteOnlyWithImmediate, 4096)];
    private readonly Interop.DatagramBatch? _sendBatch;
    private readonly byte[] _peerRawAddress = new byte[32];
    private int _peerRawAddressLength;
    private SocketAddress? _peer;
    private IcrcAddressing _addressing;
    private bool _disposed;

    public ManagedQueuePair(ManagedRoceDevice device, ManagedProtectionDomain domain, uint queuePairNumber, QueuePairOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.SendCompletionQueue is not ManagedCompletionQueue sendCq || options.ReceiveCompletionQueue is not ManagedCompletionQueue receiveCq)
        {
            throw new RdmaException("ibv_create_qp: completion queues must come from a managed-roce device", 22);
        }

        var limits = device.Attributes;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxSendWorkRequests, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxReceiveWorkRequests, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxSendScatterGatherEntries, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxReceiveScatterGatherEntries, nameof(options));
        if (options.MaxSendWorkRequests > limits.MaxQueuePairWorkRequests || options.MaxReceiveWorkRequests > limits.MaxQueuePairWorkRequests
            || options.MaxSendScatterGatherEntries > limits.MaxScatterGatherEntries || options.MaxReceiveScatterGatherEntries > limits.MaxScatterGatherEntries)
        {
            throw new RdmaException("ibv_create_qp", 22);
        }

        _device = device;
        QueuePairNumber = queuePairNumber;
        _transport = new RcTransport(
            queuePairNumber,
            new RcTransportOptions
            {
                MaxSendWorkRequests = options.MaxSendWorkRequests,
                MaxReceiveWorkRequests = options.MaxReceiveWorkRequests,
                MaxSendEntries = Math.Max(options.MaxSendScatterGatherEntries, 1),
                MaxReceiveEntries = Math.Max(options.MaxReceiveScatterGatherEntries, 1),
                SignalAllSends = options.SignalAllSends,
                MaxInlineData = Math.Max(options.MaxInlineData, 0),
                MaxPacketsInFlight = device.PacketsInFlightLimit,
            },
            domain.Keys,
            sendCq,
            receiveCq);
        if (device.UsesBatchedIo)
        {
            _sendBatch = new Interop.DatagramBatch(SendBatchSize, _transmitBuffer.Length) { SegmentationOffload = device.Options.UdpSegmentationOffload };
        }

        device.Tracker.Opened(ResourceKind.QueuePair);
    }

    public uint QueuePairNumber { get; }

    public QueuePairState State
    {
        get
        {
            lock (_gate)
            {
                return _transport.State;
            }
        }
    }

    /// <summary>True while this QP's sends use UDP GSO (false when off or refused by the kernel).</summary>
    public bool UsesSegmentationOffload => _sendBatch?.SegmentationOffload ?? false;

    /// <summary>Transport counters (retransmissions, NAKs, drops) for diagnostics.</summary>
    public TransportCounters Counters => _transport.Counters;

    public QueuePairState QueryState() => State;

    public void ModifyToInit(byte portNumber, MemoryAccess remoteAccess)
    {
        if (portNumber != 1)
        {
            throw new RdmaException("ibv_modify_qp(INIT): port", 22);
        }

        lock (_gate)
        {
            _transport.ModifyToInit(remoteAccess);
        }
    }

    public void ModifyToReadyToReceive(in ReadyToReceiveAttributes attributes)
    {
        if (attributes.LocalGidIndex != 0 || attributes.RemoteGid.IsZero)
        {
            throw new RdmaException("ibv_modify_qp(RTR): GID index must be 0 and the remote GID set", 22);
        }

        var remote = attributes.RemoteGid.ToIPAddress();
        if (remote.AddressFamily != _device.LocalEndPoint.AddressFamily)
        {
            throw new RdmaException($"ibv_modify_qp(RTR): remote GID {attributes.RemoteGid} is not reachable from {_device.LocalEndPoint.Address}", 22);
        }

        int port = _device.ResolvePeerPort(attributes.RemoteGid, attributes.RemoteLid);
        var attributesWithMtu = attributes.PathMtu > _device.ActiveMtu || attributes.PathMtu == 0 ? attributes with { PathMtu = _device.ActiveMtu } : attributes;
        lock (_gate)
        {
            _transport.ModifyToReadyToReceive(attributesWithMtu);
            var peer = new IPEndPoint(remote, port);
            _peer = peer.Serialize();
            _peerRawAddressLength = Interop.DatagramBatch.WriteSocketAddress(peer, _peerRawAddress);
            _addressing = new IcrcAddressing(_device.LocalGid, attributes.RemoteGid, (ushort)_device.LocalEndPoint.Port, (ushort)port);
        }
    }

    public void ModifyToReadyToSend(in ReadyToSendAttributes attributes)
    {
        lock (_gate)
        {
            _transport.ModifyToReadyToSend(attributes);
        }
    }

    public void ModifyToError()
    {
        lock (_gate)
        {
            _transport.ModifyToError();
        }
    }

    public void ModifyToReset()
    {
        lock (_gate)
        {
            _transport.ModifyToReset();
        }
    }

    public void PostSend(in SendWorkRequest request, ReadOnlySpan<ScatterGatherEntry> entries)
    {
        long next;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var error = _transport.PostSend(request, entries);
            if (error != PostError.None)
            {
                throw new RdmaException("ibv_post_send", (int)error);
            }

            next = PollLocked(ManagedRoceDevice.NowMicroseconds());
        }

        _device.WakeTimersBy(next);
    }

    public int PostSend(ReadOnlySpan<SendWorkRequest> requests, ReadOnlySpan<ScatterGatherEntry> entries)
    {
        // Entry ranges are the caller's bookkeeping, checked for the whole batch before anything is posted.
        foreach (ref readonly var request in requests)
        {
            if (request.FirstEntry < 0 || request.EntryCount < 0 || request.FirstEntry > entries.Length - request.EntryCount)
            {
                throw new ArgumentOutOfRangeException(nameof(requests), $"request {request.WorkRequestId} names entries [{request.FirstEntry}, {request.FirstEntry + request.EntryCount}) of {entries.Length}");
            }
        }

        int posted = 0;
        long next;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (ref readonly var request in requests)
            {
                if (_transport.PostSend(request, entries.Slice(request.FirstEntry, request.EntryCount)) != PostError.None)
                {
                    break;
                }

                posted++;
            }

            next = PollLocked(ManagedRoceDevice.NowMicroseconds());
        }

        _device.WakeTimersBy(next);
        return posted;
    }

    public void PostReceive(ulong workRequestId, ReadOnlySpan<ScatterGatherEntry> entries)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var error = _transport.PostReceive(workRequestId, entries);
            if (error != PostError.None)
            {
                throw new RdmaException("ibv_post_recv", (int)error);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _transport.ModifyToReset();
            _sendBatch?.Dispose();
        }

        _device.Remove(this);
        _device.Tracker.Closed(ResourceKind.QueuePair);
    }

    internal void HandlePacket(in RocePacket packet, long now)
    {
        long next;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _transport.HandlePacket(packet, now);
            next = PollLocked(now);
        }

        // A packet can arm an earlier deadline (an RNR wait, a retransmit timer): tell the timer thread.
        _device.WakeTimersBy(next);
    }

    /// <summary>
    /// Hands in a packet of a receive batch without answering yet: <see cref="PollAfterBatch"/> answers everything the
    /// batch brought at once — one coalesced ACK, one <c>sendmmsg</c> — instead of once per packet.
    /// </summary>
    /// <returns>Whether this is the QP's first packet since its last poll (the caller polls it after the batch).</returns>
    internal bool HandlePacketInBatch(in RocePacket packet, long now)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            _transport.HandlePacket(packet, now);
            bool first = !_pollAfterBatch;
            _pollAfterBatch = true;
            return first;
        }
    }

    /// <summary>Answers what <see cref="HandlePacketInBatch"/> handed in.</summary>
    internal void PollAfterBatch(long now)
    {
        long next;
        lock (_gate)
        {
            if (_disposed || !_pollAfterBatch)
            {
                return;
            }

            _pollAfterBatch = false;
            next = PollLocked(now);
        }

        _device.WakeTimersBy(next);
    }

    /// <summary>Timer tick: returns the next deadline in microseconds.</summary>
    internal long Poll(long now)
    {
        lock (_gate)
        {
            return _disposed ? long.MaxValue : PollLocked(now);
        }
    }

    Span<byte> IPacketTransmitter.GetBuffer(int length) =>
        _sendBatch is null ? _transmitBuffer.AsSpan(0, length) : _sendBatch.NextToSend[..length];

    void IPacketTransmitter.Transmit(int length)
    {
        if (_sendBatch is not null)
        {
            // The ICRC is written at flush time, when the packet's GSO segment index is known.
            _sendBatch.Commit(length, _peerRawAddress.AsSpan(0, _peerRawAddressLength));
            if (_sendBatch.IsFull)
            {
                FlushSendBatch();
            }

            return;
        }

        var packet = _transmitBuffer.AsSpan(0, length);
        InvariantCrc.Write(packet, _addressing);
        try
        {
            _device.Socket.SendTo(packet, SocketFlags.None, _peer!);
        }
        catch (SocketException)
        {
            // A full socket buffer or an ICMP error is packet loss; the transport retransmits.
        }
        catch (ObjectDisposedException)
        {
            // The device is closing.
        }
    }

    void Interop.IDatagramFinalizer.Finalize(Span<byte> packet, int segmentIndex) =>
        InvariantCrc.Write(packet, _addressing with { Ipv4Identification = (ushort)segmentIndex });

    private long PollLocked(long now)
    {
        long receivedThrough = _device.ReceivedThrough(now);
        long next = _transport.Poll(now, this, receivedThrough);
        for (int round = 1; round < MaxPollRoundsPerEvent && _transport.HasPendingOutput; round++)
        {
            next = _transport.Poll(now, this, receivedThrough);
        }

        FlushSendBatch();
        return next;
    }

    private void FlushSendBatch()
    {
        try
        {
            _sendBatch?.Flush(_device.Socket.SafeHandle, this);
        }
        catch (ObjectDisposedException)
        {
            // The device is closing: unsent packets are lost like any others.
        }
    }
}
