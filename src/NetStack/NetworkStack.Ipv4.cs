using System.Buffers;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack;

public sealed partial class NetworkStack
{
    private void HandleIpv4(ReadOnlySpan<byte> payload, long now, bool checksumsVerified)
    {
        if (!Ipv4Packet.TryParse(payload, out var ip, verifyChecksum: !checksumsVerified))
        {
            Counters.FramesDropped++;
            return;
        }

        if (ip.Destination != _options.Address)
        {
            Counters.FramesDropped++; // not a router
            return;
        }

        if (ip.IsFragment)
        {
            if (_reassembler.TryAdd(ip, now, out var datagram, out var length))
            {
                try
                {
                    Counters.DatagramsReassembled++;
                    if (Ipv4Packet.TryParse(datagram.AsSpan(0, length), out var whole))
                    {
                        HandleIpv4Datagram(whole, now, checksumsVerified: false);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(datagram!);
                }
            }

            return;
        }

        HandleIpv4Datagram(ip, now, checksumsVerified);
    }

    private void HandleIpv4Datagram(in Ipv4Packet ip, long now, bool checksumsVerified)
    {
        switch (ip.Protocol)
        {
            case IpProtocol.Tcp:
                HandleTcp(ip, now, checksumsVerified);
                break;
            case IpProtocol.Icmp:
                HandleIcmp(ip);
                break;
            case IpProtocol.Udp:
                SendDestinationUnreachable(ip, IcmpPacket.CodePortUnreachable);
                break;
            default:
                SendDestinationUnreachable(ip, IcmpPacket.CodeProtocolUnreachable);
                break;
        }
    }

    private void HandleIcmp(in Ipv4Packet ip)
    {
        if (!IcmpPacket.TryParse(ip.Payload, out var icmp))
        {
            Counters.ChecksumErrors++;
            return;
        }

        if (icmp.Type != IcmpType.EchoRequest || icmp.Code != 0 || !TryResolve(ip.Source, out var mac))
        {
            return;
        }

        var message = ip.Payload;
        var frame = _sink.GetFrameBuffer(EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength + message.Length);
        var icmpStart = EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength;
        var reply = frame.Slice(icmpStart, message.Length);
        message.CopyTo(reply);
        IcmpPacket.WriteHeader(reply, IcmpType.EchoReply, 0, ((uint)icmp.EchoIdentifier << 16) | icmp.EchoSequence);
        WriteIpAndEthernet(frame, mac, ip.Source, IpProtocol.Icmp, message.Length);
        Commit(icmpStart + message.Length);
        Counters.EchoRepliesSent++;
    }

    private void SendDestinationUnreachable(in Ipv4Packet offending, byte code)
    {
        if (offending.Destination == Ipv4Address.Broadcast || !TryResolve(offending.Source, out var mac))
        {
            return;
        }

        // RFC 792: the offending header plus the first 8 bytes of its payload.
        var quoted = Math.Min(offending.HeaderLength + 8, offending.TotalLength);
        var icmpLength = IcmpPacket.HeaderLength + quoted;
        var frame = _sink.GetFrameBuffer(EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength + icmpLength);
        var icmp = frame.Slice(EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength, icmpLength);
        offending.Header.CopyTo(icmp[IcmpPacket.HeaderLength..]);
        offending.Payload[..(quoted - offending.HeaderLength)].CopyTo(icmp[(IcmpPacket.HeaderLength + offending.HeaderLength)..]);
        IcmpPacket.WriteHeader(icmp, IcmpType.DestinationUnreachable, code, 0);
        WriteIpAndEthernet(frame, mac, offending.Source, IpProtocol.Icmp, icmpLength);
        Commit(EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength + icmpLength);
        Counters.UnreachablesSent++;
    }

    private void WriteIpAndEthernet(Span<byte> frame, MacAddress destinationMac, Ipv4Address destination, IpProtocol protocol, int payloadLength)
    {
        EthernetFrame.WriteHeader(frame, destinationMac, _options.MacAddress, EtherType.Ipv4);
        Ipv4Packet.WriteHeader(frame[EthernetFrame.HeaderLength..], _options.Address, destination, protocol, payloadLength,
            _ipIdentification++, _options.TimeToLive);
    }
}
