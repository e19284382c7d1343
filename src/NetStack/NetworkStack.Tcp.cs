using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack;

public sealed partial class NetworkStack
{
    /// <summary>MSS values a SYN cookie can encode (3 bits); the largest not above the peer's MSS is chosen.</summary>
    private static readonly ushort[] CookieMssTable = [536, 1200, 1360, 1440, 1460, 4036, 8960, 8960];

    private void HandleTcp(in Ipv4Packet ip, long now, bool checksumsVerified)
    {
        var bytes = ip.Payload;
        if (!TcpSegment.TryParse(bytes, out var segment))
        {
            Counters.FramesDropped++;
            return;
        }

        if (!checksumsVerified && !TcpSegment.VerifyChecksum(bytes, ip.Source, ip.Destination))
        {
            Counters.ChecksumErrors++;
            return;
        }

        _ = TcpOptions.TryParse(segment.Options, out var options);
        var tuple = new TcpFourTuple(ip.Destination, segment.DestinationPort, ip.Source, segment.SourcePort);
        if (_connections.TryGetValue(tuple, out var connection)
            && !(connection.State == TcpState.TimeWait && connection.AcceptsNewSynInTimeWait(segment, options) && connection.ReleaseFromTimeWait()))
        {
            connection.HandleSegment(segment, options, now);
            if (connection.State != TcpState.Closed)
            {
                MarkForOutput(connection);
            }

            return;
        }

        var flags = segment.Flags;
        if ((flags & TcpFlags.Rst) != 0)
        {
            return;
        }

        if (_listeners.TryGetValue(segment.DestinationPort, out var listener))
        {
            if ((flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Fin)) == TcpFlags.Syn)
            {
                HandleListenSyn(listener, tuple, segment, options, now);
                return;
            }

            if ((flags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Ack && _options.Tcp.SynCookies
                && TryCompleteCookieHandshake(listener, tuple, segment, options, now))
            {
                return;
            }
        }

        SendResetFor(tuple, segment);
    }

    private void HandleListenSyn(TcpListener listener, in TcpFourTuple tuple, in TcpSegment segment, in TcpOptions options, long now)
    {
        if (listener.HalfOpenCount >= listener.SynBacklog)
        {
            if (!_options.Tcp.SynCookies)
            {
                Counters.SynsDropped++;
                return;
            }

            // Stateless answer (SYN flood): the cookie is our ISN; only the MSS survives the round trip.
            var peerMss = options.MaximumSegmentSize == 0 ? 536 : options.MaximumSegmentSize;
            var index = 0;
            for (var i = 0; i < CookieMssTable.Length; i++)
            {
                if (CookieMssTable[i] <= Math.Min(peerMss, LocalMss))
                {
                    index = i;
                }
            }

            var cookie = _secrets.MakeSynCookie(tuple, segment.SequenceNumber, index, now);
            var synAckOptions = TcpOptions.None;
            synAckOptions.MaximumSegmentSize = (ushort)LocalMss;
            EncodeCookieOptions(ref synAckOptions, options, new SeqNumber(cookie), now);
            TransmitStateless(tuple, new SeqNumber(cookie), new SeqNumber(segment.SequenceNumber + 1), TcpFlags.Syn | TcpFlags.Ack,
                (ushort)Math.Min(_options.Tcp.InitialReceiveCredit, 65535), synAckOptions);
            listener.SynCookiesSent++;
            return;
        }

        var connection = new TcpConnection(this, tuple, _options.Tcp, LocalMss);
        _connections[tuple] = connection;
        connection.OpenPassive(listener, _secrets.InitialSequenceNumber(tuple, now), segment.SequenceNumber, segment.Window, options, now);
        Schedule(connection);
    }

    private bool TryCompleteCookieHandshake(TcpListener listener, in TcpFourTuple tuple, in TcpSegment segment, in TcpOptions options, long now)
    {
        var peerIsn = segment.SequenceNumber - 1;
        var cookie = segment.AcknowledgmentNumber - 1;
        var index = _secrets.CheckSynCookie(tuple, peerIsn, cookie, now);
        if (index < 0)
        {
            return false;
        }

        listener.SynCookiesAccepted++;
        var connection = new TcpConnection(this, tuple, _options.Tcp, LocalMss);
        _connections[tuple] = connection;
        connection.OpenFromCookie(listener, new SeqNumber(cookie), peerIsn, CookieMssTable[index], DecodeCookieOptions(options), now);
        connection.EnterEstablishedFromCookie(segment, options, now);
        if (connection.State != TcpState.Closed)
        {
            MarkForOutput(connection);
            Schedule(connection);
        }

        return true;
    }

    /// <summary>Bits of the SYN-ACK's TSval that carry options through a cookie handshake (as Linux does).</summary>
    private const uint CookieOptionMask = 0x3F;
    private const uint CookieNoWindowScale = 0xF;
    private const uint CookieSackBit = 0x10;

    /// <summary>
    /// When the peer uses timestamps, carry its window scale and SACK permission in the low bits of our TSval, so a
    /// cookie connection keeps them. The TSval is kept at or below what the connection will send later (PAWS).
    /// </summary>
    private void EncodeCookieOptions(ref TcpOptions synAck, in TcpOptions syn, SeqNumber cookie, long now)
    {
        var settings = _options.Tcp;
        if (!settings.Timestamps || !syn.HasTimestamps)
        {
            return;
        }

        var windowScale = settings.WindowScaling && syn.WindowScale >= 0 ? (uint)syn.WindowScale : CookieNoWindowScale;
        var sack = settings.SelectiveAcknowledgments && syn.SackPermitted;
        var tsNow = unchecked((uint)(now / 1000) + TcpConnection.TimestampOffsetFor(cookie));
        var ts = (tsNow & ~CookieOptionMask) | windowScale | (sack ? CookieSackBit : 0);
        if ((int)(ts - tsNow) > 0)
        {
            ts -= CookieOptionMask + 1;
        }

        synAck.HasTimestamps = true;
        synAck.TimestampValue = ts;
        synAck.TimestampEcho = syn.TimestampValue;
        synAck.SackPermitted = sack;
        if (windowScale != CookieNoWindowScale)
        {
            synAck.WindowScale = TcpConnection.ReceiveWindowShiftFor(settings);
        }
    }

    private CookieOptions? DecodeCookieOptions(in TcpOptions ack)
    {
        if (!_options.Tcp.Timestamps || !ack.HasTimestamps)
        {
            return null;
        }

        var bits = ack.TimestampEcho & CookieOptionMask;
        var windowScale = bits & CookieNoWindowScale;
        return new CookieOptions(windowScale == CookieNoWindowScale ? -1 : (int)Math.Min(windowScale, 14), (bits & CookieSackBit) != 0,
            ack.TimestampValue);
    }

    /// <summary>RFC 9293 §3.10.7.1: reset for a segment that matches nothing.</summary>
    private void SendResetFor(in TcpFourTuple tuple, in TcpSegment segment)
    {
        Counters.ResetsSent++;
        if ((segment.Flags & TcpFlags.Ack) != 0)
        {
            TransmitReset(tuple, new SeqNumber(segment.AcknowledgmentNumber), default, TcpFlags.Rst);
        }
        else
        {
            TransmitReset(tuple, default, new SeqNumber(segment.SequenceNumber).Add(segment.SequenceLength), TcpFlags.Rst | TcpFlags.Ack);
        }
    }

    /// <summary>Largest payload one <see cref="TransmitSegment"/> call may carry for a connection with this MSS.</summary>
    internal int MaxSegmentPayload(int mss)
    {
        var limit = Math.Min(_sink.SegmentationOffloadLimit, 65535 - Ipv4Packet.MinHeaderLength - TcpSegment.MaxHeaderLength);
        return limit > mss ? limit / mss * mss : mss;
    }

    internal void TransmitReset(in TcpFourTuple tuple, SeqNumber seq, SeqNumber ack, TcpFlags flags) =>
        TransmitStateless(tuple, seq, ack, flags, 0, TcpOptions.None);

    private void TransmitStateless(in TcpFourTuple tuple, SeqNumber seq, SeqNumber ack, TcpFlags flags, ushort window, in TcpOptions options)
    {
        if (!TryResolve(tuple.RemoteAddress, out var mac))
        {
            return;
        }

        var frame = _sink.GetFrameBuffer(EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength + TcpSegment.MaxHeaderLength);
        var tcp = frame[(EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength)..];
        var length = TcpSegment.WriteHeader(tcp, tuple.LocalPort, tuple.RemotePort, seq.Value, ack.Value, flags, window, options);
        TcpSegment.WriteChecksum(tcp[..length], tuple.LocalAddress, tuple.RemoteAddress);
        WriteIpAndEthernet(frame, mac, tuple.RemoteAddress, IpProtocol.Tcp, length);
        Commit(EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength + length);
    }

    /// <summary>Builds and sends one segment of <paramref name="connection"/>, pulling payload from its owner. False if not sent.</summary>
    internal bool TransmitSegment(TcpConnection connection, SeqNumber seq, SeqNumber ack, TcpFlags flags, ushort window,
        in TcpOptions options, long payloadOffset, int payloadLength)
    {
        var tuple = connection.FourTuple;
        if (!TryResolve(tuple.RemoteAddress, out var mac))
        {
            AwaitArp(connection);
            return false;
        }

        var headerRoom = EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength;
        var frame = _sink.GetFrameBuffer(headerRoom + TcpSegment.MaxHeaderLength + payloadLength);
        var tcp = frame[headerRoom..];
        var tcpHeaderLength = TcpSegment.WriteHeader(tcp, tuple.LocalPort, tuple.RemotePort, seq.Value, ack.Value, flags, window, options);
        if (payloadLength > 0)
        {
            connection.Handler?.CopySendData(connection, payloadOffset, tcp.Slice(tcpHeaderLength, payloadLength));
        }

        var segmentLength = tcpHeaderLength + payloadLength;
        WriteIpAndEthernet(frame, mac, tuple.RemoteAddress, IpProtocol.Tcp, segmentLength);
        var segmentSize = connection.SendMaximumSegmentSize;
        if (payloadLength > segmentSize)
        {
            // The sink segments it: leave the pseudo-header sum for it to complete per segment.
            var pseudo = InternetChecksum.Fold(InternetChecksum.PseudoHeaderSum(tuple.LocalAddress, tuple.RemoteAddress, (byte)IpProtocol.Tcp, segmentLength));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], pseudo);
            _sink.CommitSegmented(headerRoom + segmentLength, headerRoom + tcpHeaderLength, segmentSize);
            Counters.FramesSent++;
            Counters.OffloadedSegmentsSent += (payloadLength + segmentSize - 1) / segmentSize;
        }
        else
        {
            TcpSegment.WriteChecksum(tcp[..segmentLength], tuple.LocalAddress, tuple.RemoteAddress);
            Commit(headerRoom + segmentLength);
        }

        return true;
    }
}
