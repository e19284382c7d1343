using System.Buffers.Binary;
using System.Net;
using RdmaOffload.Verbs.ManagedRoce;

namespace RdmaOffload.Bench.Roce;

/// <summary>The server's registered region, as its accept private data tells the client.</summary>
internal readonly record struct RegionGrant(ulong Address, uint RemoteKey, long Length)
{
    public const int EncodedLength = 20;

    public byte[] Encode()
    {
        var bytes = new byte[EncodedLength];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, Address);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), RemoteKey);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(12), Length);
        return bytes;
    }

    public static RegionGrant Decode(ReadOnlySpan<byte> bytes) =>
        bytes.Length < EncodedLength
            ? throw new InvalidDataException($"region grant: {bytes.Length} bytes, need {EncodedLength}")
            : new RegionGrant(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]), BinaryPrimitives.ReadInt64BigEndian(bytes[12..]));
}

/// <summary>What the server's region holds: a byte pattern that differs at every offset of a READ.</summary>
internal static class Pattern
{
    public static byte At(long offset) => (byte)((offset * 131) + (offset >> 12));

    public static void Fill(Span<byte> destination, long offset)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = At(offset + i);
        }
    }

    /// <summary>Index of the first byte that is not the pattern at <paramref name="offset"/>, or -1.</summary>
    public static int FirstMismatch(ReadOnlySpan<byte> data, long offset)
    {
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] != At(offset + i))
            {
                return i;
            }
        }

        return -1;
    }
}

internal static class Providers
{
    /// <summary>A managed-roce provider with one device on <paramref name="address"/>.</summary>
    public static ManagedRoceProvider Create(BenchOptions options, IPAddress address, string name) => new(new ManagedRoceOptions
    {
        Devices =
        [
            new ManagedRoceDeviceOptions
            {
                Name = name,
                BindAddress = address,
                Port = options.UdpPort,
                BatchedIo = options.BatchedIo,
                UdpSegmentationOffload = options.Segmentation,
            },
        ],
    });
}
