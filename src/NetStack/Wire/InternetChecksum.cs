using System.Buffers.Binary;

namespace RdmaOffload.NetStack.Wire;

/// <summary>The RFC 1071 ones'-complement checksum used by IPv4, ICMP and TCP.</summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running 32-bit partial sum (not yet folded).</summary>
    public static ulong Accumulate(ulong sum, ReadOnlySpan<byte> data)
    {
        // Summing 32-bit words into a 64-bit accumulator is equivalent to summing 16-bit words
        // because ones'-complement addition is associative; the fold at the end restores 16 bits.
        var i = 0;
        for (; i + 4 <= data.Length; i += 4)
        {
            sum += BinaryPrimitives.ReadUInt32BigEndian(data[i..]);
        }

        if (i + 2 <= data.Length)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
            i += 2;
        }

        if (i < data.Length)
        {
            sum += (ulong)data[i] << 8;
        }

        return sum;
    }

    /// <summary>Folds a partial sum to 16 bits without complementing.</summary>
    public static ushort Fold(ulong sum)
    {
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)sum;
    }

    /// <summary>The checksum field value for <paramref name="data"/> plus a prior partial sum.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data, ulong initial = 0) => (ushort)~Fold(Accumulate(initial, data));

    /// <summary>The partial sum of the TCP/UDP IPv4 pseudo-header.</summary>
    public static ulong PseudoHeaderSum(Ipv4Address source, Ipv4Address destination, byte protocol, int length) =>
        (ulong)(source.Value >> 16) + (source.Value & 0xFFFF) + (destination.Value >> 16) + (destination.Value & 0xFFFF)
        + protocol + (uint)length;
}
