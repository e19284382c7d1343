using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tests.Wire;

/// <summary>Every parser must accept or reject arbitrary bytes without throwing, and every accessor of an accepted view must be in bounds.</summary>
public sealed class ParserFuzzTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(3000);

    [Test]
    public void Ethernet_never_throws_on_arbitrary_bytes() =>
        Prop.ForAll<byte[]>(bytes =>
        {
            if (EthernetFrame.TryParse(bytes, out var frame))
            {
                _ = frame.Destination;
                _ = frame.Source;
                _ = frame.EtherType;
                return frame.Payload.Length == bytes.Length - EthernetFrame.HeaderLength;
            }

            return bytes.Length < EthernetFrame.HeaderLength;
        }).Check(Config);

    [Test]
    public void Arp_never_throws_on_arbitrary_bytes() =>
        Prop.ForAll<byte[]>(bytes =>
        {
            if (ArpPacket.TryParse(bytes, out var arp))
            {
                _ = arp.SenderHardwareAddress;
                _ = arp.SenderProtocolAddress;
                _ = arp.TargetHardwareAddress;
                _ = arp.TargetProtocolAddress;
                return arp.Operation is ArpOperation.Request or ArpOperation.Reply;
            }

            return true;
        }).Check(Config);

    [Test]
    public void Ipv4_never_throws_on_arbitrary_bytes() =>
        Prop.ForAll<byte[], bool>((bytes, verify) =>
        {
            if (Ipv4Packet.TryParse(bytes, out var ip, verify))
            {
                _ = ip.Source;
                _ = ip.Destination;
                _ = ip.FragmentOffset;
                _ = ip.Header.Length;
                return ip.Payload.Length == ip.TotalLength - ip.HeaderLength;
            }

            return true;
        }).Check(Config);

    [Test]
    public void Ipv4_with_plausible_header_never_throws() =>
        // Biases the generator towards version 4 headers so deeper checks are reached.
        Prop.ForAll<byte[], byte, ushort>((tail, ihl, total) =>
        {
            var bytes = new byte[20 + tail.Length];
            tail.CopyTo(bytes, 20);
            bytes[0] = (byte)(0x40 | (ihl & 0x0F));
            bytes[2] = (byte)(total >> 8);
            bytes[3] = (byte)total;
            if (Ipv4Packet.TryParse(bytes, out var ip, verifyChecksum: false))
            {
                return ip.Payload.Length >= 0 && ip.HeaderLength >= 20 && ip.TotalLength <= bytes.Length;
            }

            return true;
        }).Check(Config);

    [Test]
    public void Icmp_never_throws_on_arbitrary_bytes() =>
        Prop.ForAll<byte[]>(bytes =>
        {
            if (IcmpPacket.TryParse(bytes, out var icmp))
            {
                _ = icmp.Type;
                _ = icmp.Code;
                _ = icmp.EchoIdentifier;
                _ = icmp.EchoSequence;
                return icmp.Data.Length == bytes.Length - IcmpPacket.HeaderLength;
            }

            return true;
        }).Check(Config);

    [Test]
    public void Tcp_and_options_never_throw_on_arbitrary_bytes() =>
        Prop.ForAll<byte[], byte>((bytes, offset) =>
        {
            if (bytes.Length > 12)
            {
                bytes[12] = offset; // exercise every data offset
            }

            if (TcpSegment.TryParse(bytes, out var tcp))
            {
                _ = tcp.SourcePort;
                _ = tcp.SequenceNumber;
                _ = tcp.AcknowledgmentNumber;
                _ = tcp.Window;
                _ = tcp.SequenceLength;
                _ = TcpOptions.TryParse(tcp.Options, out var options);
                for (var i = 0; i < options.SackBlockCount; i++)
                {
                    _ = options.GetSackBlock(i);
                }

                return options.SackBlockCount <= TcpOptions.MaxSackBlocks && options.WindowScale <= 14;
            }

            return true;
        }).Check(Config);

    [Test]
    public void Tcp_options_never_throw_on_arbitrary_option_bytes() =>
        Prop.ForAll<byte[]>(bytes =>
        {
            _ = TcpOptions.TryParse(bytes, out var options);
            return options.SackBlockCount <= TcpOptions.MaxSackBlocks && options.WindowScale is >= -1 and <= 14;
        }).Check(Config);
}
