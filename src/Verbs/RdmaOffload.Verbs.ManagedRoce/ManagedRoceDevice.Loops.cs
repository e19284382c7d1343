using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce;

public sealed partial class ManagedRoceDevice
{
    private const long MaxTimerSleepMicroseconds = 50_000;

    private void ReceiveLoop()
    {
        var buffer = new byte[65536];
        var from = new SocketAddress(Socket.AddressFamily);
        Span<byte> gidBytes = stackalloc byte[16];
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

            Counters.CountReceived();
            var datagram = buffer.AsSpan(0, length);
            if (RocePacket.TryParse(datagram, out var packet) != PacketError.None)
            {
                Counters.CountMalformed();
                continue;
            }

            if (!_queuePairs.TryGetValue(packet.Header.DestinationQueuePair, out var queuePair))
            {
                Counters.CountUnknownQueuePair();
                continue;
            }

            if (Options.VerifyIcrc)
            {
                if (!TryReadSource(from, gidBytes, out ushort sourcePort))
                {
                    Counters.CountMalformed();
                    continue;
                }

                var addressing = new IcrcAddressing(new Gid(gidBytes), LocalGid, sourcePort, (ushort)LocalEndPoint.Port);
                if (!InvariantCrc.Verify(datagram, addressing))
                {
                    Counters.CountBadIcrc();
                    continue;
                }
            }

            queuePair.HandlePacket(packet, NowMicroseconds());
        }
    }

    /// <summary>Reads the sender's address (as GID bytes) and port from a sockaddr without allocating.</summary>
    private static bool TryReadSource(SocketAddress address, Span<byte> gid, out ushort port)
    {
        var raw = address.Buffer.Span;
        port = BinaryPrimitives.ReadUInt16BigEndian(raw[2..]);
        gid.Clear();
        if (address.Family == AddressFamily.InterNetwork && raw.Length >= 8)
        {
            gid[10] = 0xFF;
            gid[11] = 0xFF;
            raw.Slice(4, 4).CopyTo(gid[12..]);
            return true;
        }

        if (address.Family == AddressFamily.InterNetworkV6 && raw.Length >= 24)
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

            long sleep = next - NowMicroseconds();
            if (sleep > 0)
            {
                // Millisecond granularity is enough: ACK timeouts are tens of milliseconds.
                _timerWake.WaitOne(TimeSpan.FromMicroseconds(Math.Max(sleep, 1000)));
            }
        }
    }
}
