using System.Buffers.Binary;

namespace RdmaOffload.Verbs.ManagedRoce.Wire;

/// <summary>Builds RoCEv2 transport packets in place: headers, then payload, then room for the ICRC.</summary>
public static class RocePacketWriter
{
    /// <summary>Bytes of headers (BTH + extensions) for an opcode.</summary>
    public static int HeaderLength(RoceOpcode opcode) =>
        BaseTransportHeader.Length + RoceOpcodes.ExtensionLength(RoceOpcodes.Traits((byte)opcode));

    /// <summary>Bytes of a whole packet with <paramref name="payloadLength"/> payload bytes (pad and ICRC included).</summary>
    public static int PacketLength(RoceOpcode opcode, int payloadLength) =>
        HeaderLength(opcode) + ((payloadLength + 3) & ~3) + RocePacket.IcrcLength;

    /// <summary>
    /// Writes headers for <paramref name="header"/>'s opcode (pad count is filled in from
    /// <paramref name="payloadLength"/>), zeroes the pad and the ICRC, and returns the payload slice
    /// for the caller to fill. The whole packet is <see cref="PacketLength"/> bytes.
    /// </summary>
    public static Span<byte> Write(
        Span<byte> destination,
        BaseTransportHeader header,
        int payloadLength,
        in RdmaExtendedTransportHeader reth = default,
        in AckExtendedTransportHeader aeth = default,
        uint immediate = 0)
    {
        var opcode = (RoceOpcode)header.Opcode;
        var traits = RoceOpcodes.Traits(header.Opcode);
        int total = PacketLength(opcode, payloadLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, total, nameof(destination));
        int pad = (4 - (payloadLength & 3)) & 3;
        (header with { PadCount = (byte)pad }).Write(destination);
        int offset = BaseTransportHeader.Length;
        if ((traits & OpcodeTraits.HasReth) != 0)
        {
            reth.Write(destination[offset..]);
            offset += RdmaExtendedTransportHeader.Length;
        }

        if ((traits & OpcodeTraits.HasAeth) != 0)
        {
            aeth.Write(destination[offset..]);
            offset += AckExtendedTransportHeader.Length;
        }

        if ((traits & OpcodeTraits.HasImmediate) != 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], immediate);
            offset += 4;
        }

        destination.Slice(offset + payloadLength, pad + RocePacket.IcrcLength).Clear();
        return destination.Slice(offset, payloadLength);
    }
}
