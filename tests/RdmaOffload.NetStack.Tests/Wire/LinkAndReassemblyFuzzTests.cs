using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.NetStack.Ip;
using RdmaOffload.NetStack.Tap;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tests.Wire;

public sealed class LinkAndReassemblyFuzzTests
{
    [Test]
    public void Virtio_header_round_trips_and_never_throws() =>
        Prop.ForAll<byte[], (byte Flags, byte Gso, ushort HeaderLength), (ushort GsoSize, ushort Start, ushort Offset)>((bytes, a, b) =>
        {
            _ = VirtioNetHeader.TryRead(bytes, out _);
            var header = new VirtioNetHeader(a.Flags, a.Gso, a.HeaderLength, b.GsoSize, b.Start, b.Offset);
            var buffer = new byte[VirtioNetHeader.Size];
            header.Write(buffer);
            return VirtioNetHeader.TryRead(buffer, out var parsed) && parsed == header
                && VirtioNetHeader.TryRead(bytes, out _) == (bytes.Length >= VirtioNetHeader.Size);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Reassembler_never_throws_and_stays_within_limits() =>
        Prop.ForAll<(ushort Id, ushort FragmentField, bool More), byte[], int>((header, payload, advance) =>
        {
            var reassembler = Shared;
            var packet = new byte[20 + Math.Min(payload.Length, 2000)];
            Ipv4Packet.WriteHeader(packet, new Ipv4Address(1), new Ipv4Address(2), IpProtocol.Udp, packet.Length - 20, (ushort)(header.Id % 8), dontFragment: false);
            var field = (ushort)((header.More ? 0x2000 : 0) | (header.FragmentField & 0x1FFF));
            packet[6] = (byte)(field >> 8);
            packet[7] = (byte)field;
            packet[10] = 0;
            packet[11] = 0;
            var checksum = InternetChecksum.Compute(packet.AsSpan(0, 20));
            packet[10] = (byte)(checksum >> 8);
            packet[11] = (byte)checksum;
            payload.AsSpan(0, packet.Length - 20).CopyTo(packet.AsSpan(20));
            SharedNow += Math.Abs(advance % 5_000_000);
            if (Ipv4Packet.TryParse(packet, out var ip) && reassembler.TryAdd(ip, SharedNow, out var datagram, out var length))
            {
                Assert.That(Ipv4Packet.TryParse(datagram.AsSpan(0, length), out var whole), Is.True);
                Assert.That(whole.IsFragment, Is.False);
                System.Buffers.ArrayPool<byte>.Shared.Return(datagram!);
            }

            return reassembler.InProgress <= 4;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(5000));

    private static readonly Ipv4Reassembler Shared = new(maxDatagrams: 4, maxBytes: 4 * 65536, timeout: 10_000_000);
    private static long SharedNow;
}
