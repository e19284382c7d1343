using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tests.Wire;

public sealed class RoundTripTests
{
    [Test]
    public void Ethernet_header_round_trips() =>
        Prop.ForAll<ulong, ulong, ushort>((dst, src, type) =>
        {
            var buffer = new byte[EthernetFrame.HeaderLength + 3];
            EthernetFrame.WriteHeader(buffer, MacAddress.FromUInt64(dst), MacAddress.FromUInt64(src), (EtherType)type);
            Assert.That(EthernetFrame.TryParse(buffer, out var frame), Is.True);
            return frame.Destination == MacAddress.FromUInt64(dst) && frame.Source == MacAddress.FromUInt64(src)
                && (ushort)frame.EtherType == type && frame.Payload.Length == 3;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Arp_round_trips() =>
        Prop.ForAll<(ulong Mac, uint Ip), (ulong Mac, uint Ip), bool>((sender, target, request) =>
        {
            var (sha, spa) = sender;
            var (tha, tpa) = target;
            var buffer = new byte[ArpPacket.Length];
            var op = request ? ArpOperation.Request : ArpOperation.Reply;
            ArpPacket.Write(buffer, op, MacAddress.FromUInt64(sha), new Ipv4Address(spa), MacAddress.FromUInt64(tha), new Ipv4Address(tpa));
            Assert.That(ArpPacket.TryParse(buffer, out var arp), Is.True);
            return arp.Operation == op && arp.SenderHardwareAddress == MacAddress.FromUInt64(sha)
                && arp.SenderProtocolAddress.Value == spa && arp.TargetHardwareAddress == MacAddress.FromUInt64(tha)
                && arp.TargetProtocolAddress.Value == tpa;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Ipv4_header_round_trips_and_checksum_detects_corruption() =>
        Prop.ForAll<(uint Src, uint Dst, ushort Id), byte[], int>((addresses, payload, flipBit) =>
        {
            var (src, dst, id) = addresses;
            var buffer = new byte[Ipv4Packet.MinHeaderLength + payload.Length + 5]; // trailing Ethernet padding
            Ipv4Packet.WriteHeader(buffer, new Ipv4Address(src), new Ipv4Address(dst), IpProtocol.Tcp, payload.Length, id, 17);
            payload.CopyTo(buffer, Ipv4Packet.MinHeaderLength);
            Assert.That(Ipv4Packet.TryParse(buffer, out var ip), Is.True);
            var ok = ip.Source.Value == src && ip.Destination.Value == dst && ip.Identification == id && ip.TimeToLive == 17
                && ip.DontFragment && !ip.IsFragment && ip.Protocol == IpProtocol.Tcp && ip.Payload.SequenceEqual(payload);

            // A single flipped bit in the header must fail the checksum (ones'-complement detects all 1-bit errors),
            // except in the version/IHL byte where the parse fails anyway.
            var bit = (int)((uint)flipBit % (Ipv4Packet.MinHeaderLength * 8));
            buffer[bit / 8] ^= (byte)(1 << (bit % 8));
            return ok && !Ipv4Packet.TryParse(buffer, out _);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Tcp_segment_round_trips_with_options() =>
        Prop.ForAll<(uint Seq, uint Ack, ushort Window), byte[], bool>((numbers, payload, withSack) =>
        {
            var (seq, ack, window) = numbers;
            var options = TcpOptions.None;
            options.MaximumSegmentSize = 1460;
            options.WindowScale = 7;
            options.SackPermitted = !withSack;
            options.HasTimestamps = true;
            options.TimestampValue = seq ^ 0x5A5A;
            options.TimestampEcho = ack;
            if (withSack)
            {
                options.MaximumSegmentSize = 0;
                options.WindowScale = -1;
                options.AddSackBlock(new SackBlock(seq, seq + 100));
                options.AddSackBlock(new SackBlock(seq + 200, seq + 300));
                options.AddSackBlock(new SackBlock(seq + 400, seq + 500));
            }

            var buffer = new byte[TcpSegment.MaxHeaderLength + payload.Length];
            var header = TcpSegment.WriteHeader(buffer, 1234, 80, seq, ack, TcpFlags.Ack | TcpFlags.Psh, window, options);
            Assert.That(header, Is.EqualTo(TcpSegment.MinHeaderLength + options.EncodedLength));
            Assert.That(header, Is.LessThanOrEqualTo(TcpSegment.MaxHeaderLength));
            payload.CopyTo(buffer, header);
            var segment = buffer.AsSpan(0, header + payload.Length);
            var src = new Ipv4Address(0x0A580001);
            var dst = new Ipv4Address(0x0A580002);
            TcpSegment.WriteChecksum(segment, src, dst);
            Assert.That(TcpSegment.VerifyChecksum(segment, src, dst), Is.True);
            Assert.That(TcpSegment.TryParse(segment, out var tcp), Is.True);
            Assert.That(TcpOptions.TryParse(tcp.Options, out var parsed), Is.True);
            var sackOk = parsed.SackBlockCount == options.SackBlockCount;
            for (var i = 0; sackOk && i < parsed.SackBlockCount; i++)
            {
                sackOk = parsed.GetSackBlock(i) == options.GetSackBlock(i);
            }

            return tcp.SourcePort == 1234 && tcp.DestinationPort == 80 && tcp.SequenceNumber == seq
                && tcp.AcknowledgmentNumber == ack && tcp.Window == window && tcp.Flags == (TcpFlags.Ack | TcpFlags.Psh)
                && tcp.Payload.SequenceEqual(payload) && sackOk
                && parsed.MaximumSegmentSize == options.MaximumSegmentSize && parsed.WindowScale == options.WindowScale
                && parsed.SackPermitted == options.SackPermitted && parsed.HasTimestamps
                && parsed.TimestampValue == options.TimestampValue && parsed.TimestampEcho == options.TimestampEcho;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Tcp_checksum_detects_payload_corruption()
    {
        var buffer = new byte[TcpSegment.MinHeaderLength + 10];
        TcpSegment.WriteHeader(buffer, 1, 2, 3, 4, TcpFlags.Ack, 5, TcpOptions.None);
        buffer[^1] = 0x42;
        var src = new Ipv4Address(1);
        var dst = new Ipv4Address(2);
        TcpSegment.WriteChecksum(buffer, src, dst);
        Assert.That(TcpSegment.VerifyChecksum(buffer, src, dst), Is.True);
        buffer[^1] ^= 0x10;
        Assert.That(TcpSegment.VerifyChecksum(buffer, src, dst), Is.False);
    }

    [Test]
    public void Icmp_echo_round_trips()
    {
        var buffer = new byte[IcmpPacket.HeaderLength + 4];
        buffer[8] = 9;
        IcmpPacket.WriteHeader(buffer, IcmpType.EchoRequest, 0, (7u << 16) | 3);
        Assert.That(IcmpPacket.TryParse(buffer, out var icmp), Is.True);
        Assert.That(icmp.Type, Is.EqualTo(IcmpType.EchoRequest));
        Assert.That(icmp.EchoIdentifier, Is.EqualTo(7));
        Assert.That(icmp.EchoSequence, Is.EqualTo(3));
        Assert.That(icmp.Data[0], Is.EqualTo(9));
    }

    [Test]
    public void Checksum_matches_rfc1071_example()
    {
        // RFC 1071 §3 example bytes: the folded sum is 0xddf2.
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        Assert.That(InternetChecksum.Fold(InternetChecksum.Accumulate(0, data)), Is.EqualTo(0xddf2));
    }

    [Test]
    public void Addresses_parse_and_format()
    {
        Assert.That(Ipv4Address.Parse("10.88.1.2").ToString(), Is.EqualTo("10.88.1.2"));
        Assert.That(MacAddress.Parse("02:00:0a:58:01:02").ToString(), Is.EqualTo("02:00:0a:58:01:02"));
        Assert.That(MacAddress.Broadcast.IsMulticast, Is.True);
    }
}
