using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Wire;

public sealed class RocePacketTests
{
    private static readonly RoceOpcode[] AllOpcodes = Enum.GetValues<RoceOpcode>();

    [Test]
    public void Every_opcode_round_trips_with_its_headers_and_payload()
    {
        Prop.ForAll<byte[], uint, ulong>((payloadSource, immediate, va) =>
        {
            foreach (var opcode in AllOpcodes)
            {
                var traits = RoceOpcodes.Traits((byte)opcode);
                var payload = (traits & OpcodeTraits.HasPayload) != 0 ? payloadSource : [];
                var packet = new byte[RocePacketWriter.PacketLength(opcode, payload.Length)];
                var bth = new BaseTransportHeader { Opcode = (byte)opcode, PartitionKey = 0xFFFF, DestinationQueuePair = 17, Psn = new Psn(immediate) };
                var reth = new RdmaExtendedTransportHeader(va, immediate ^ 0x5555, (uint)payload.Length);
                var aeth = AckExtendedTransportHeader.Nak(immediate, NakCode.InvalidRequest);
                payload.CopyTo(RocePacketWriter.Write(packet, bth, payload.Length, reth, aeth, immediate));
                if (RocePacket.TryParse(packet, out var parsed) != PacketError.None
                    || parsed.Opcode != opcode
                    || !parsed.Payload.SequenceEqual(payload)
                    || parsed.Header.Psn != bth.Psn
                    || ((traits & OpcodeTraits.HasReth) != 0 && parsed.Reth != reth)
                    || ((traits & OpcodeTraits.HasAeth) != 0 && parsed.Aeth != aeth)
                    || ((traits & OpcodeTraits.HasImmediate) != 0 && parsed.Immediate != immediate))
                {
                    return false;
                }
            }

            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void Arbitrary_bytes_never_throw_and_a_parsed_packet_is_consistent()
    {
        Prop.ForAll<byte[]>(bytes =>
        {
            var error = RocePacket.TryParse(bytes, out var packet);
            if (error != PacketError.None)
            {
                return true;
            }

            int expected = BaseTransportHeader.Length + RoceOpcodes.ExtensionLength(packet.Traits) + packet.Payload.Length + packet.Header.PadCount + RocePacket.IcrcLength;
            return expected == bytes.Length && packet.Header.TransportVersion == 0;
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void Mutated_valid_packets_never_throw()
    {
        var packet = new byte[RocePacketWriter.PacketLength(RoceOpcode.RdmaWriteOnlyWithImmediate, 37)];
        RocePacketWriter.Write(packet, new BaseTransportHeader { Opcode = (byte)RoceOpcode.RdmaWriteOnlyWithImmediate }, 37, new RdmaExtendedTransportHeader(1, 2, 37));
        Prop.ForAll<int, byte, int>((position, value, cut) =>
        {
            var mutated = (byte[])packet.Clone();
            mutated[(int)((uint)position % mutated.Length)] = value;
            var truncated = mutated.AsSpan(0, (int)((uint)cut % (mutated.Length + 1)));
            _ = RocePacket.TryParse(truncated, out _);
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void Truncated_and_unsupported_packets_are_classified()
    {
        Assert.That(RocePacket.TryParse(new byte[5], out _), Is.EqualTo(PacketError.Truncated));
        var ack = new byte[RocePacketWriter.PacketLength(RoceOpcode.Acknowledge, 0)];
        RocePacketWriter.Write(ack, new BaseTransportHeader { Opcode = (byte)RoceOpcode.Acknowledge }, 0);
        Assert.That(RocePacket.TryParse(ack, out _), Is.EqualTo(PacketError.None));
        Assert.That(RocePacket.TryParse(ack.AsSpan(0, ack.Length - 1), out _), Is.EqualTo(PacketError.Truncated));
        ack[0] = 0x64; // UD SEND only: not an RC opcode
        Assert.That(RocePacket.TryParse(ack, out _), Is.EqualTo(PacketError.UnsupportedOpcode));
        ack[0] = (byte)RoceOpcode.Acknowledge;
        ack[1] = 0x01;
        Assert.That(RocePacket.TryParse(ack, out _), Is.EqualTo(PacketError.BadVersion));
    }
}
