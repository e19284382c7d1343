using System.Buffers.Binary;

namespace RdmaOffload.Verbs.ManagedRoce.Wire;

/// <summary>The 16-byte RDMA extended transport header: virtual address, remote key, DMA length.</summary>
/// <param name="VirtualAddress">Remote virtual address.</param>
/// <param name="RemoteKey">Remote key of the target region.</param>
/// <param name="DmaLength">Total length of the whole RDMA operation.</param>
public readonly record struct RdmaExtendedTransportHeader(ulong VirtualAddress, uint RemoteKey, uint DmaLength)
{
    /// <summary>Bytes on the wire.</summary>
    public const int Length = 16;

    /// <summary>Parses the header; false when <paramref name="source"/> is too short.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out RdmaExtendedTransportHeader header)
    {
        if (source.Length < Length)
        {
            header = default;
            return false;
        }

        header = new RdmaExtendedTransportHeader(
            BinaryPrimitives.ReadUInt64BigEndian(source),
            BinaryPrimitives.ReadUInt32BigEndian(source[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[12..]));
        return true;
    }

    /// <summary>Writes the header.</summary>
    public void Write(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Length, nameof(destination));
        BinaryPrimitives.WriteUInt64BigEndian(destination, VirtualAddress);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], RemoteKey);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], DmaLength);
    }
}
