using System.Buffers.Binary;

namespace RdmaOffload.Protocol.Wire;

/// <summary>
/// The fixed 12-byte frame header. All multi-byte fields on the wire are big-endian (network order), like every
/// other wire format in this repository.
/// <code>
///  0      2       3      4       6        8             12
///  | magic | ver  | type | flags | length | wq#         | body …
/// </code>
/// <c>length</c> counts the whole frame, header included.
/// </summary>
public static class FrameHeader
{
    /// <summary>Header length in bytes.</summary>
    public const int Length = 12;

    /// <summary>The magic <c>"RO"</c> (0x52 0x4F) that starts every frame.</summary>
    public const ushort Magic = 0x524F;

    /// <summary>Largest frame (header and body) a version-1 peer sends or accepts.</summary>
    public const int MaxFrameLength = 512;

    /// <summary>Largest body.</summary>
    public const int MaxBodyLength = MaxFrameLength - Length;

    /// <summary>Flag bits version 1 defines. None: every bit is reserved and must be zero.</summary>
    public const ushort DefinedFlags = 0;

    internal static void Write(Span<byte> destination, byte version, MessageType type, int frameLength, uint workQueue)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, Magic);
        destination[2] = version;
        destination[3] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)frameLength);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], workQueue);
    }
}
