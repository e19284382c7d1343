namespace RdmaOffload.NetStack.Wire;

/// <summary>EtherType values the stack understands.</summary>
public enum EtherType : ushort
{
    /// <summary>IPv4.</summary>
    Ipv4 = 0x0800,

    /// <summary>ARP.</summary>
    Arp = 0x0806,

    /// <summary>IPv6 (recognised, not handled).</summary>
    Ipv6 = 0x86DD,
}

/// <summary>A checked view of an Ethernet II frame (no FCS).</summary>
public readonly ref struct EthernetFrame
{
    /// <summary>Length of the Ethernet II header.</summary>
    public const int HeaderLength = 14;

    private readonly ReadOnlySpan<byte> _buffer;

    private EthernetFrame(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>Destination MAC address.</summary>
    public MacAddress Destination => MacAddress.Read(_buffer);

    /// <summary>Source MAC address.</summary>
    public MacAddress Source => MacAddress.Read(_buffer[6..]);

    /// <summary>EtherType (not validated against <see cref="EtherType"/>).</summary>
    public EtherType EtherType => (EtherType)System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_buffer[12..]);

    /// <summary>Everything after the header.</summary>
    public ReadOnlySpan<byte> Payload => _buffer[HeaderLength..];

    /// <summary>Validates that <paramref name="buffer"/> holds at least a header; never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out EthernetFrame frame)
    {
        frame = new EthernetFrame(buffer);
        return buffer.Length >= HeaderLength;
    }

    /// <summary>Writes a header; returns <see cref="HeaderLength"/>.</summary>
    public static int WriteHeader(Span<byte> destination, MacAddress dst, MacAddress src, EtherType type)
    {
        dst.Write(destination);
        src.Write(destination[6..]);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination[12..], (ushort)type);
        return HeaderLength;
    }
}
