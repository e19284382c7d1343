using System.Buffers.Binary;

namespace RdmaOffload.Verbs;

/// <summary>
/// What one side tells the other, out of band, to connect an RC queue pair (and optionally to
/// grant one memory region): the classic <c>ibv_rc_pingpong</c>/perftest exchange.
/// </summary>
public readonly record struct QueuePairEndpoint(
    uint QueuePairNumber,
    uint PacketSequenceNumber,
    Gid Gid,
    ushort Lid = 0,
    ulong RegionAddress = 0,
    uint RegionRemoteKey = 0,
    ulong RegionLength = 0)
{
    /// <summary>Size of the wire form.</summary>
    public const int EncodedLength = 4 + 4 + 16 + 2 + 2 + 8 + 4 + 8;

    /// <summary>Writes the fixed-size big-endian wire form.</summary>
    public void Encode(Span<byte> destination)
    {
        if (destination.Length < EncodedLength)
        {
            throw new ArgumentException($"need {EncodedLength} bytes", nameof(destination));
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, QueuePairNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], PacketSequenceNumber);
        Gid.WriteTo(destination.Slice(8, 16));
        BinaryPrimitives.WriteUInt16BigEndian(destination[24..], Lid);
        BinaryPrimitives.WriteUInt16BigEndian(destination[26..], 0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[28..], RegionAddress);
        BinaryPrimitives.WriteUInt32BigEndian(destination[36..], RegionRemoteKey);
        BinaryPrimitives.WriteUInt64BigEndian(destination[40..], RegionLength);
    }

    /// <summary>Parses the wire form; false when it is too short or its QPN/PSN exceed 24 bits.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> source, out QueuePairEndpoint endpoint)
    {
        endpoint = default;
        if (source.Length < EncodedLength)
        {
            return false;
        }

        uint qpn = BinaryPrimitives.ReadUInt32BigEndian(source);
        uint psn = BinaryPrimitives.ReadUInt32BigEndian(source[4..]);
        if (qpn > 0xFFFFFF || psn > 0xFFFFFF || BinaryPrimitives.ReadUInt16BigEndian(source[26..]) != 0)
        {
            return false;
        }

        endpoint = new QueuePairEndpoint(
            qpn,
            psn,
            new Gid(source.Slice(8, 16)),
            BinaryPrimitives.ReadUInt16BigEndian(source[24..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[28..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[36..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[40..]));
        return true;
    }
}
