using System.Buffers.Binary;

namespace RdmaOffload.Verbs.ManagedRoce.Wire;

/// <summary>
/// The 12-byte base transport header. Layout: opcode; SE(1) M(1) PadCnt(2) TVer(4); P_Key(16);
/// resv8a (FECN/BECN on RoCE); DestQP(24); AckReq(1) resv7; PSN(24).
/// </summary>
public readonly record struct BaseTransportHeader
{
    /// <summary>Bytes on the wire.</summary>
    public const int Length = 12;

    /// <summary>The default (full-membership) partition key.</summary>
    public const ushort DefaultPartitionKey = 0xFFFF;

    /// <summary>Opcode byte (see <see cref="RoceOpcode"/>).</summary>
    public byte Opcode { get; init; }

    /// <summary>Solicited event.</summary>
    public bool Solicited { get; init; }

    /// <summary>Migration request bit.</summary>
    public bool MigrationRequest { get; init; }

    /// <summary>Pad bytes (0–3) appended to the payload to a 4-byte multiple.</summary>
    public byte PadCount { get; init; }

    /// <summary>Transport header version (0).</summary>
    public byte TransportVersion { get; init; }

    /// <summary>Partition key.</summary>
    public ushort PartitionKey { get; init; }

    /// <summary>The reserved byte after the P_Key (excluded from the ICRC; RoCE uses it for FECN/BECN).</summary>
    public byte Reserved8A { get; init; }

    /// <summary>Destination QP number (24 bits).</summary>
    public uint DestinationQueuePair { get; init; }

    /// <summary>Acknowledge requested.</summary>
    public bool AckRequest { get; init; }

    /// <summary>Packet sequence number.</summary>
    public Psn Psn { get; init; }

    /// <summary>Parses the header; false when <paramref name="source"/> is shorter than <see cref="Length"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out BaseTransportHeader header)
    {
        if (source.Length < Length)
        {
            header = default;
            return false;
        }

        byte flags = source[1];
        header = new BaseTransportHeader
        {
            Opcode = source[0],
            Solicited = (flags & 0x80) != 0,
            MigrationRequest = (flags & 0x40) != 0,
            PadCount = (byte)((flags >> 4) & 0x3),
            TransportVersion = (byte)(flags & 0xF),
            PartitionKey = BinaryPrimitives.ReadUInt16BigEndian(source[2..]),
            Reserved8A = source[4],
            DestinationQueuePair = BinaryPrimitives.ReadUInt32BigEndian(source[4..]) & 0xFF_FFFF,
            AckRequest = (source[8] & 0x80) != 0,
            Psn = new Psn(BinaryPrimitives.ReadUInt32BigEndian(source[8..])),
        };
        return true;
    }

    /// <summary>Writes the header into the first <see cref="Length"/> bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Length, nameof(destination));
        destination[0] = Opcode;
        destination[1] = (byte)((Solicited ? 0x80 : 0) | (MigrationRequest ? 0x40 : 0) | ((PadCount & 0x3) << 4) | (TransportVersion & 0xF));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], PartitionKey);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ((uint)Reserved8A << 24) | (DestinationQueuePair & 0xFF_FFFF));
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], (AckRequest ? 0x8000_0000u : 0) | Psn.Value);
    }
}
