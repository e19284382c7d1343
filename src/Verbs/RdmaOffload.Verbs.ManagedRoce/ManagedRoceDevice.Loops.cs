using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce;

public sealed partial class ManagedRoceDevice
{
    private const long MaxTimerSleepMicroseconds = 50_000;

    private const int ReceiveBatchSize = 32;
    private const int MaxDatagram = 9216;
    private const int MaxCoalescedDatagram = 65536;

    /// <summary>How long a retransmit timer may wait for a lagging receive loop before it fires anyway.</summary>
    private const long MaxReceiveLagMicroseconds = 1_000_000;

    private long _receiveDrainedAt;

    // The QPs the current receive batch handed packets to (receive thread only; null outside a batch).
    private List<ManagedQueuePair>? _batchQueuePairs;
    private volatile bool _receiveWaiting = true;

    /// <summary>
    /// The time up to which every datagram that arrived has been handed to its QP: now while the receive loop waits
    /// on an empty socket, else when it last found the socket empty. A QP's retransmit timer that expired after
    /// this may yet be answered by a packet still queued in the socket (a busy or descheduled receive thread),
    /// so it waits, at most <see cref="MaxReceiveLagMicroseconds"/>.
    /// </summary>
    internal long ReceivedThrough(long now) =>
        _receiveWaiting ? now : Math.Max(Volatile.Read(ref _receiveDrainedAt), now - MaxReceiveLagMicroseconds);

    /// <summary>Whether this device moves datagrams with recvmmsg/sendmmsg (Linux) or one call per packet.</summary>
    internal bool UsesBatchedIo => Options.BatchedIo && OperatingSystem.IsLinux();

    private void ReceiveLoop()
    {
        if (UsesBatchedIo)
        {
            ReceiveBatches();
        }
        else
        {
            ReceiveOneByOne();
        }
    }

    private void ReceiveBatches()
    {
        // A receive timeout lets the loop notice disposal: the socket handle is held (AddRef) during
        // each call, so closing it cannot pull the descriptor out from under recvmmsg.
        Socket.ReceiveTimeout = 100;
        bool coalescing = EnableReceiveCoalescing();
        using var batch = new Interop.DatagramBatch(ReceiveBatchSize, coalescing ? MaxCoalescedDatagram : MaxDatagram);
        bool drained = true;
        var touched = new List<ManagedQueuePair>();
        while (!_disposed)
        {
            // Entered with the socket found empty last time: whatever arrives now is handed in as it comes.
            _receiveWaiting = drained;
            int count = batch.Receive(Socket.SafeHandle);
            long returnedAt = NowMicroseconds();
            _receiveWaiting = false;
            drained = count < ReceiveBatchSize;
            if (count < 0)
            {
                if (_disposed)
                {
                    return;
                }

                Volatile.Write(ref _receiveDrainedAt, returnedAt);
                continue; // e.g. an ICMP error queued on the socket by an earlier send
            }

            _batchQueuePairs = touched;
            for (int i = 0; i < count; i++)
            {
                var received = batch.Received(i);
                var source = batch.SourceAddress(i);
                int segment = batch.ReceivedSegmentSize(i);
                if (segment <= 0)
                {
                    ProcessDatagram(received, source, 0);
                    continue;
                }

                // GRO: equal-sized datagrams of one sender back to back, the last possibly shorter.
                Counters.CountCoalesced();
                // A GSO sender on this host numbered their IPv4 identifications 0, 1, 2...: try that first.
                for (int offset = 0, index = 0; offset < received.Length; offset += segment, index++)
                {
                    ProcessDatagram(received.Slice(offset, Math.Min(segment, received.Length - offset)), source, (ushort)index);
                }
            }

            _batchQueuePairs = null;
            long polledAt = NowMicroseconds();
            foreach (var queuePair in touched)
            {
                queuePair.PollAfterBatch(polledAt);
            }

            touched.Clear();
            if (drained)
            {
                // A batch short of full emptied the socket: everything that arrived before it returned is now in.
                Volatile.Write(ref _receiveDrainedAt, returnedAt);
            }
        }
    }

    /// <summary>Asks the kernel to coalesce received datagrams (UDP_GRO); false where unsupported or disabled.</summary>
    private bool EnableReceiveCoalescing()
    {
        if (!Options.UdpSegmentationOffload)
        {
            return false;
        }

        try
        {
            SetNativeOption(Socket, Interop.Libc.SolUdp, Interop.Libc.UdpGro, 1);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void ReceiveOneByOne()
    {
        var buffer = new byte[65536];
        var from = new SocketAddress(Socket.AddressFamily);
        while (!_disposed)
        {
            int length;
            try
            {
                length = Socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException) when (!_disposed)
            {
                continue; // e.g. ICMP port unreachable reported on the socket
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            ProcessDatagram(buffer.AsSpan(0, length), from.Buffer.Span[..from.Size], 0);
        }
    }

    /// <summary>
    /// Checks one datagram and hands it to its QP; everything unusable is counted and dropped.
    /// <paramref name="identificationHint"/> is the likeliest IPv4 identification (0, or the segment
    /// index inside a coalesced receive), checked in full before solving for an unknown one.
    /// </summary>
    private void ProcessDatagram(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> source, ushort identificationHint)
    {
        Counters.CountReceived();
        if (RocePacket.TryParse(datagram, out var packet) != PacketError.None)
        {
            Counters.CountMalformed();
            return;
        }

        if (!_queuePairs.TryGetValue(packet.Header.DestinationQueuePair, out var queuePair))
        {
            Counters.CountUnknownQueuePair();
            return;
        }

        if (Options.VerifyIcrc)
        {
            Span<byte> gidBytes = stackalloc byte[16];
            if (!TryReadSource(source, gidBytes, out ushort sourcePort))
            {
                Counters.CountMalformed();
                return;
            }

            var addressing = new IcrcAddressing(new Gid(gidBytes), LocalGid, sourcePort, (ushort)LocalEndPoint.Port, identificationHint);

            // Our own peers send the hinted identification (a full 32-bit check); others, like kernel
            // rxe, use any, which is solved for (16 check bits).
            if (!InvariantCrc.Verify(datagram, addressing))
            {
                if (!UnknownIdentificationIcrc.TryVerify(datagram, addressing, out _))
                {
                    Counters.CountBadIcrc();
                    return;
                }

                Counters.CountIcrcSolved();
            }
        }

        if (_batchQueuePairs is null)
        {
            queuePair.HandlePacket(packet, NowMicroseconds());
        }
        else if (queuePair.HandlePacketInBatch(packet, NowMicroseconds()))
        {
            _batchQueuePairs.Add(queuePair);
        }
    }

    /// <summary>Reads the sender's address (as GID bytes) and port from a raw Linux sockaddr.</summary>
    private static bool TryReadSource(ReadOnlySpan<byte> raw, Span<byte> gid, out ushort port)
    {
        port = 0;
        gid.Clear();
        if (raw.Length < 8)
        {
            return false;
        }

        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(raw);
        port = BinaryPrimitives.ReadUInt16BigEndian(raw[2..]);
        if (family == 2)
        {
            gid[10] = 0xFF;
            gid[11] = 0xFF;
            raw.Slice(4, 4).CopyTo(gid[12..]);
            return true;
        }

        if (family == 10 && raw.Length >= 24)
        {
            raw.Slice(8, 16).CopyTo(gid);
            return true;
        }

        return false;
    }

    private void TimerLoop()
    {
        while (!_disposed)
        {
            long now = NowMicroseconds();
            long next = now + MaxTimerSleepMicroseconds;
            foreach (var queuePair in Volatile.Read(ref _queuePairSnapshot))
            {
                next = Math.Min(next, queuePair.Poll(now));
            }

            Volatile.Write(ref _timerDeadline, next);
            long sleep = next - NowMicroseconds();
            if (sleep > 0)
            {
                // Millisecond granularity is enough: ACK timeouts are tens of milliseconds.
                _timerWake.WaitOne(TimeSpan.FromMicroseconds(Math.Max(sleep, 1000)));
            }
        }
    }
}
