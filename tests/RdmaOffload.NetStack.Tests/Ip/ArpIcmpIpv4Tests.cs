using RdmaOffload.NetStack.Tests.Simulation;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tests.Ip;

/// <summary>ARP, ICMP and IPv4 handling of one stack, with hand-built frames.</summary>
public sealed class ArpIcmpIpv4Tests
{
    private static readonly Ipv4Address Peer = ScriptedPeer.PeerAddress;
    private static readonly Ipv4Address Stack = ScriptedPeer.StackAddress;

    private static byte[] ArpFrame(ArpOperation op, MacAddress ethDst, Ipv4Address targetIp, MacAddress targetMac)
    {
        var frame = new byte[14 + ArpPacket.Length];
        EthernetFrame.WriteHeader(frame, ethDst, ScriptedPeer.PeerMac, EtherType.Arp);
        ArpPacket.Write(frame.AsSpan(14), op, ScriptedPeer.PeerMac, Peer, targetMac, targetIp);
        return frame;
    }

    private static byte[] IpFrame(IpProtocol protocol, byte[] payload, ushort id = 1, int fragmentOffset = 0, bool moreFragments = false)
    {
        var frame = new byte[14 + 20 + payload.Length];
        EthernetFrame.WriteHeader(frame, ScriptedPeer.StackMac, ScriptedPeer.PeerMac, EtherType.Ipv4);
        Ipv4Packet.WriteHeader(frame.AsSpan(14), Peer, Stack, protocol, payload.Length, id, 64, dontFragment: false);
        var flags = (ushort)((moreFragments ? 0x2000 : 0) | (fragmentOffset / 8));
        frame[14 + 6] = (byte)(flags >> 8);
        frame[14 + 7] = (byte)flags;
        frame[14 + 10] = 0;
        frame[14 + 11] = 0;
        var checksum = InternetChecksum.Compute(frame.AsSpan(14, 20));
        frame[14 + 10] = (byte)(checksum >> 8);
        frame[14 + 11] = (byte)checksum;
        payload.CopyTo(frame, 34);
        return frame;
    }

    private static byte[] EchoRequest(int dataLength, ushort id, ushort seq)
    {
        var message = new byte[IcmpPacket.HeaderLength + dataLength];
        for (var i = 0; i < dataLength; i++)
        {
            message[IcmpPacket.HeaderLength + i] = (byte)i;
        }

        IcmpPacket.WriteHeader(message, IcmpType.EchoRequest, 0, ((uint)id << 16) | seq);
        return message;
    }

    [Test]
    public void Arp_request_for_our_address_is_answered_and_sender_learned()
    {
        var peer = new ScriptedPeer();
        peer.Frames.Clear();
        peer.Deliver(ArpFrame(ArpOperation.Request, MacAddress.Broadcast, Stack, MacAddress.Zero));
        var reply = peer.Frames.Single();
        Assert.That(EthernetFrame.TryParse(reply, out var eth), Is.True);
        Assert.That(eth.Destination, Is.EqualTo(ScriptedPeer.PeerMac));
        Assert.That(ArpPacket.TryParse(eth.Payload, out var arp), Is.True);
        Assert.That(arp.Operation, Is.EqualTo(ArpOperation.Reply));
        Assert.That(arp.SenderHardwareAddress, Is.EqualTo(ScriptedPeer.StackMac));
        Assert.That(arp.SenderProtocolAddress, Is.EqualTo(Stack));
        Assert.That(arp.TargetProtocolAddress, Is.EqualTo(Peer));
    }

    [Test]
    public void Arp_request_for_another_address_is_ignored()
    {
        var peer = new ScriptedPeer();
        peer.Frames.Clear();
        peer.Deliver(ArpFrame(ArpOperation.Request, MacAddress.Broadcast, Ipv4Address.Parse("10.88.0.77"), MacAddress.Zero));
        Assert.That(peer.Frames, Is.Empty);
    }

    [Test]
    public void Unknown_neighbour_is_resolved_by_arp_then_entry_expires()
    {
        var peer = new ScriptedPeer(o => o.ArpEntryLifetime = 5_000_000);
        var stranger = Ipv4Address.Parse("10.88.0.9");
        var strangerMac = MacAddress.Parse("02:00:00:00:00:99");

        // A ping from an unknown host: the stack must ARP for it before replying.
        var ping = IpFrame(IpProtocol.Icmp, EchoRequest(8, 1, 1));
        Ipv4Address.Parse("10.88.0.9").Write(ping.AsSpan(14 + 12));
        ping[14 + 10] = 0;
        ping[14 + 11] = 0;
        var checksum = InternetChecksum.Compute(ping.AsSpan(14, 20));
        ping[14 + 10] = (byte)(checksum >> 8);
        ping[14 + 11] = (byte)checksum;
        peer.Frames.Clear();
        peer.Deliver(ping);
        var request = peer.Frames.Single();
        Assert.That(EthernetFrame.TryParse(request, out var eth) && eth.Destination == MacAddress.Broadcast, Is.True);
        Assert.That(ArpPacket.TryParse(eth.Payload, out var arp) && arp.Operation == ArpOperation.Request && arp.TargetProtocolAddress == stranger, Is.True);

        // The reply teaches the stack the mapping; the next ping is answered.
        var reply = new byte[14 + ArpPacket.Length];
        EthernetFrame.WriteHeader(reply, ScriptedPeer.StackMac, strangerMac, EtherType.Arp);
        ArpPacket.Write(reply.AsSpan(14), ArpOperation.Reply, strangerMac, stranger, ScriptedPeer.StackMac, Stack);
        peer.Deliver(reply);
        peer.Frames.Clear();
        peer.Deliver(ping);
        Assert.That(EthernetFrame.TryParse(peer.Frames.Single(), out var echo) && echo.Destination == strangerMac, Is.True);

        // After the lifetime the entry is gone: a new ARP request goes out.
        peer.Advance(6_000_000);
        peer.Frames.Clear();
        peer.Deliver(ping);
        Assert.That(EthernetFrame.TryParse(peer.Frames.Single(), out var again) && again.EtherType == EtherType.Arp, Is.True);
    }

    [Test]
    public void Gratuitous_arp_announces_our_address()
    {
        var peer = new ScriptedPeer();
        peer.Frames.Clear();
        peer.Stack.AnnounceAddress(peer.Now);
        Assert.That(EthernetFrame.TryParse(peer.Frames.Single(), out var eth), Is.True);
        Assert.That(ArpPacket.TryParse(eth.Payload, out var arp), Is.True);
        Assert.That(arp.SenderProtocolAddress, Is.EqualTo(Stack));
        Assert.That(arp.TargetProtocolAddress, Is.EqualTo(Stack));
        Assert.That(eth.Destination, Is.EqualTo(MacAddress.Broadcast));
    }

    [Test]
    public void Echo_request_gets_echo_reply_with_same_data()
    {
        var peer = new ScriptedPeer();
        peer.Frames.Clear();
        peer.Deliver(IpFrame(IpProtocol.Icmp, EchoRequest(56, 0x1234, 7)));
        Assert.That(EthernetFrame.TryParse(peer.Frames.Single(), out var eth), Is.True);
        Assert.That(Ipv4Packet.TryParse(eth.Payload, out var ip), Is.True);
        Assert.That(ip.Destination, Is.EqualTo(Peer));
        Assert.That(IcmpPacket.TryParse(ip.Payload, out var icmp), Is.True);
        Assert.That(icmp.Type, Is.EqualTo(IcmpType.EchoReply));
        Assert.That(icmp.EchoIdentifier, Is.EqualTo(0x1234));
        Assert.That(icmp.EchoSequence, Is.EqualTo(7));
        Assert.That(icmp.Data.ToArray(), Is.EqualTo(EchoRequest(56, 0x1234, 7)[8..]));
    }

    [Test]
    public void Udp_gets_port_unreachable_quoting_the_datagram()
    {
        var peer = new ScriptedPeer();
        peer.Frames.Clear();
        var udp = new byte[] { 0x30, 0x39, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 1, 2, 3, 4 };
        peer.Deliver(IpFrame(IpProtocol.Udp, udp));
        Assert.That(EthernetFrame.TryParse(peer.Frames.Single(), out var eth), Is.True);
        Assert.That(Ipv4Packet.TryParse(eth.Payload, out var ip), Is.True);
        Assert.That(IcmpPacket.TryParse(ip.Payload, out var icmp), Is.True);
        Assert.That(icmp.Type, Is.EqualTo(IcmpType.DestinationUnreachable));
        Assert.That(icmp.Code, Is.EqualTo(IcmpPacket.CodePortUnreachable));
        Assert.That(icmp.Data.Length, Is.EqualTo(20 + 8));
        Assert.That(icmp.Data[20..].ToArray(), Is.EqualTo(udp[..8]));
    }

    [Test]
    public void Corrupted_ip_header_is_dropped()
    {
        var peer = new ScriptedPeer();
        peer.Frames.Clear();
        var frame = IpFrame(IpProtocol.Icmp, EchoRequest(8, 1, 1));
        frame[14 + 8] ^= 0xFF; // TTL changed without fixing the checksum
        peer.Deliver(frame);
        Assert.That(peer.Frames, Is.Empty);
        Assert.That(peer.Stack.Counters.FramesDropped, Is.EqualTo(1));
    }

    [Test]
    public void Fragmented_echo_request_is_reassembled_in_any_order()
    {
        var peer = new ScriptedPeer();
        peer.Frames.Clear();
        var message = EchoRequest(3000 - 8, 9, 9);
        var fragments = new List<byte[]>();
        for (var offset = 0; offset < message.Length; offset += 1200)
        {
            var length = Math.Min(1200, message.Length - offset);
            fragments.Add(IpFrame(IpProtocol.Icmp, message[offset..(offset + length)], id: 77, fragmentOffset: offset, moreFragments: offset + length < message.Length));
        }

        fragments.Reverse();
        foreach (var fragment in fragments)
        {
            peer.Deliver(fragment);
        }

        Assert.That(peer.Stack.Counters.DatagramsReassembled, Is.EqualTo(1));
        Assert.That(EthernetFrame.TryParse(peer.Frames.Single(), out var eth), Is.True);
        Assert.That(Ipv4Packet.TryParse(eth.Payload, out var ip), Is.True);
        Assert.That(IcmpPacket.TryParse(ip.Payload, out var icmp), Is.True);
        Assert.That(icmp.Type, Is.EqualTo(IcmpType.EchoReply));
        Assert.That(icmp.Data.ToArray(), Is.EqualTo(message[8..]));
    }

    [Test]
    public void Reassembly_respects_datagram_limit_and_timeout()
    {
        var peer = new ScriptedPeer(o =>
        {
            o.ReassemblyMaxDatagrams = 2;
            o.ReassemblyTimeout = 1_000_000;
        });
        for (ushort id = 1; id <= 5; id++)
        {
            peer.Deliver(IpFrame(IpProtocol.Icmp, new byte[16], id: id, moreFragments: true));
        }

        Assert.That(peer.Stack.NextPollTime, Is.EqualTo(peer.Now + 1_000_000), "reassembly expiry is a poll deadline");
        peer.Advance(2_000_000);
        // Completing an expired datagram's second half must not produce a reply.
        peer.Frames.Clear();
        peer.Deliver(IpFrame(IpProtocol.Icmp, new byte[8], id: 1, fragmentOffset: 16));
        Assert.That(peer.Frames, Is.Empty);
        Assert.That(peer.Stack.Counters.DatagramsReassembled, Is.Zero);
    }

    [Test]
    public void Frames_for_other_macs_are_dropped()
    {
        var peer = new ScriptedPeer();
        peer.Frames.Clear();
        var frame = IpFrame(IpProtocol.Icmp, EchoRequest(8, 1, 1));
        MacAddress.Parse("02:00:00:00:00:ff").Write(frame);
        peer.Deliver(frame);
        Assert.That(peer.Frames, Is.Empty);
    }
}
