using System.Buffers.Binary;

namespace RdmaOffload.NetStack.Wire;

/// <summary>IP protocol numbers the stack handles.</summary>
public enum IpProtocol : byte
{
    /// <summary>ICMP.</summary>
    Icmp = 1,

    /// <summary>TCP.</summary>
    Tcp = 6,

    /// <summary>UDP (answered with port unreachable).</summary>
    Udp = 17,
}

/// <summary>A checked view of an IPv4 packet (RFC 791).</summary>
public readonly ref struct Ipv4Packet
{
    /// <summary>Length of a header without options.</summary>
    public const int MinHeaderLength = 20;

    private readonly ReadOnlySpan<byte> _buffer;

    private Ipv4Packet(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>Header length in bytes (IHL × 4).</summary>
    public int HeaderLength => (_buffer[0] & 0x0F) * 4;

    /// <summary>Total length field (header plus payload).</summary>
    public int TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]);

    /// <summary>Identification.</summary>
    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_buffer[4..]);

    /// <summary>DF flag.</summary>
    public bool DontFragment => (_buffer[6] & 0x40) != 0;

    /// <summary>MF flag.</summary>
    public bool MoreFragments => (_buffer[6] & 0x20) != 0;

    /// <summary>Fragment offset in bytes.</summary>
    public int FragmentOffset => (BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]) & 0x1FFF) * 8;

    /// <summary>True when this packet is a fragment of a larger datagram.</summary>
    public bool IsFragment => MoreFragments || FragmentOffset != 0;

    /// <summary>Time to live.</summary>
    public byte TimeToLive => _buffer[8];

    /// <summary>Protocol number.</summary>
    public IpProtocol Protocol => (IpProtocol)_buffer[9];

    /// <summary>Source address.</summary>
    public Ipv4Address Source => Ipv4Address.Read(_buffer[12..]);

    /// <summary>Destination address.</summary>
    public Ipv4Address Destination => Ipv4Address.Read(_buffer[16..]);

    /// <summary>The header bytes including options.</summary>
    public ReadOnlySpan<byte> Header => _buffer[..HeaderLength];

    /// <summary>Payload, trimmed to the total length (Ethernet padding removed).</summary>
    public ReadOnlySpan<byte> Payload => _buffer[HeaderLength..TotalLength];

    /// <summary>
    /// Validates version, header length, total length against the buffer and (unless
    /// <paramref name="verifyChecksum"/> is false) the header checksum. Never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out Ipv4Packet packet, bool verifyChecksum = true)
    {
        packet = new Ipv4Packet(buffer);
        if (buffer.Length < MinHeaderLength || (buffer[0] >> 4) != 4)
        {
            return false;
        }

        var headerLength = (buffer[0] & 0x0F) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (headerLength < MinHeaderLength || totalLength < headerLength || totalLength > buffer.Length)
        {
            return false;
        }

        return !verifyChecksum || InternetChecksum.Fold(InternetChecksum.Accumulate(0, buffer[..headerLength])) == 0xFFFF;
    }

    /// <summary>Writes a 20-byte header with a valid checksum; returns its length.</summary>
    public static int WriteHeader(Span<byte> destination, Ipv4Address source, Ipv4Address destinationAddress, IpProtocol protocol,
        int payloadLength, ushort identification, byte timeToLive = 64, bool dontFragment = true)
    {
        var header = destination[..MinHeaderLength];
        header[0] = 0x45;
        header[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(MinHeaderLength + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], dontFragment ? (ushort)0x4000 : (ushort)0);
        header[8] = timeToLive;
        header[9] = (byte)protocol;
        header[10] = 0;
        header[11] = 0;
        source.Write(header[12..]);
        destinationAddress.Write(header[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
        return MinHeaderLength;
    }
}
