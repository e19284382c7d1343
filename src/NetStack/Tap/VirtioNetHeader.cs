using System.Buffers.Binary;

namespace RdmaOffload.NetStack.Tap;

/// <summary>
/// The 10-byte <c>struct virtio_net_hdr</c> that precedes every frame on a TAP opened with IFF_VNET_HDR
/// (little-endian on the hosts we run on). It carries checksum and segmentation offload state.
/// </summary>
public readonly record struct VirtioNetHeader(byte Flags, byte GsoType, ushort HeaderLength, ushort GsoSize, ushort ChecksumStart, ushort ChecksumOffset)
{
    /// <summary>Size of the header (without the mergeable-buffers count).</summary>
    public const int Size = 10;

    /// <summary>Checksum is partial: the kernel left it for us (frames from the local host stack).</summary>
    public const byte FlagNeedsChecksum = 1;

    /// <summary>Checksum was already validated.</summary>
    public const byte FlagDataValid = 2;

    /// <summary>No segmentation offload.</summary>
    public const byte GsoNone = 0;

    /// <summary>TCP over IPv4 segmentation offload.</summary>
    public const byte GsoTcpV4 = 1;

    /// <summary>True when the L4 checksum need not be verified by the stack.</summary>
    public bool ChecksumTrusted => (Flags & (FlagNeedsChecksum | FlagDataValid)) != 0;

    /// <summary>Parses the header; returns false when <paramref name="source"/> is too short. Never throws.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out VirtioNetHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }

        header = new VirtioNetHeader(source[0], source[1], BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[4..]), BinaryPrimitives.ReadUInt16LittleEndian(source[6..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[8..]));
        return true;
    }

    /// <summary>Writes the header into the first <see cref="Size"/> bytes.</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = Flags;
        destination[1] = GsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], GsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], ChecksumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], ChecksumOffset);
    }
}
