using System.Buffers.Binary;

namespace RdmaOffload.Verbs.ManagedRoce.Wire;

/// <summary>Why a datagram was not a usable RoCEv2 transport packet.</summary>
public enum PacketError
{
    /// <summary>Parsed.</summary>
    None = 0,
    /// <summary>Shorter than the headers its opcode needs plus the ICRC.</summary>
    Truncated,
    /// <summary>Opcode not supported on an RC QP.</summary>
    UnsupportedOpcode,
    /// <summary>Transport header version is not 0.</summary>
    BadVersion,
    /// <summary>Pad count larger than the payload or payload on an opcode that has none.</summary>
    BadLength,
}

/// <summary>
/// A checked view of one RoCEv2 transport packet (the UDP payload): BTH, the extension headers its
/// opcode implies, payload (pad excluded) and ICRC. Parsing never throws.
/// </summary>
public readonly ref struct RocePacket
{
    /// <summary>Bytes of the trailing invariant CRC.</summary>
    public const int IcrcLength = 4;

    /// <summary>The whole packet including the ICRC.</summary>
    public ReadOnlySpan<byte> Bytes { get; private init; }

    /// <summary>The base transport header.</summary>
    public BaseTransportHeader Header { get; private init; }

    /// <summary>Traits of the opcode.</summary>
    public OpcodeTraits Traits { get; private init; }

    /// <summary>The RETH when <see cref="OpcodeTraits.HasReth"/>.</summary>
    public RdmaExtendedTransportHeader Reth { get; private init; }

    /// <summary>The AETH when <see cref="OpcodeTraits.HasAeth"/>.</summary>
    public AckExtendedTransportHeader Aeth { get; private init; }

    /// <summary>Immediate data (host order) when <see cref="OpcodeTraits.HasImmediate"/>.</summary>
    public uint Immediate { get; private init; }

    /// <summary>Payload without pad bytes.</summary>
    public ReadOnlySpan<byte> Payload { get; private init; }

    /// <summary>The ICRC as carried (little-endian on the wire).</summary>
    public uint Icrc => BinaryPrimitives.ReadUInt32LittleEndian(Bytes[^IcrcLength..]);

    /// <summary>The opcode.</summary>
    public RoceOpcode Opcode => (RoceOpcode)Header.Opcode;

    /// <summary>Parses a UDP payload; never throws.</summary>
    public static PacketError TryParse(ReadOnlySpan<byte> datagram, out RocePacket packet)
    {
        packet = default;
        if (!BaseTransportHeader.TryRead(datagram, out var bth))
        {
            return PacketError.Truncated;
        }

        var traits = RoceOpcodes.Traits(bth.Opcode);
        if (traits == OpcodeTraits.None)
        {
            return PacketError.UnsupportedOpcode;
        }

        if (bth.TransportVersion != 0)
        {
            return PacketError.BadVersion;
        }

        int headers = BaseTransportHeader.Length + RoceOpcodes.ExtensionLength(traits);
        if (datagram.Length < headers + IcrcLength)
        {
            return PacketError.Truncated;
        }

        int payloadWithPad = datagram.Length - headers - IcrcLength;
        if (bth.PadCount > payloadWithPad || ((traits & OpcodeTraits.HasPayload) == 0 && payloadWithPad != 0) || (payloadWithPad & 3) != 0)
        {
            return PacketError.BadLength;
        }

        int offset = BaseTransportHeader.Length;
        RdmaExtendedTransportHeader reth = default;
        AckExtendedTransportHeader aeth = default;
        uint immediate = 0;
        if ((traits & OpcodeTraits.HasReth) != 0)
        {
            RdmaExtendedTransportHeader.TryRead(datagram[offset..], out reth);
            offset += RdmaExtendedTransportHeader.Length;
        }

        if ((traits & OpcodeTraits.HasAeth) != 0)
        {
            AckExtendedTransportHeader.TryRead(datagram[offset..], out aeth);
            offset += AckExtendedTransportHeader.Length;
        }

        if ((traits & OpcodeTraits.HasImmediate) != 0)
        {
            immediate = BinaryPrimitives.ReadUInt32BigEndian(datagram[offset..]);
            offset += 4;
        }

        packet = new RocePacket
        {
            Bytes = datagram,
            Header = bth,
            Traits = traits,
            Reth = reth,
            Aeth = aeth,
            Immediate = immediate,
            Payload = datagram.Slice(offset, payloadWithPad - bth.PadCount),
        };
        return PacketError.None;
    }
}
