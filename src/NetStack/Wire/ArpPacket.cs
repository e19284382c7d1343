using System.Buffers.Binary;

namespace RdmaOffload.NetStack.Wire;

/// <summary>ARP operation codes.</summary>
public enum ArpOperation : ushort
{
    /// <summary>Who-has.</summary>
    Request = 1,

    /// <summary>Is-at.</summary>
    Reply = 2,
}

/// <summary>A checked view of an ARP packet for Ethernet/IPv4 (RFC 826).</summary>
public readonly ref struct ArpPacket
{
    /// <summary>Length of an Ethernet/IPv4 ARP packet.</summary>
    public const int Length = 28;

    private readonly ReadOnlySpan<byte> _buffer;

    private ArpPacket(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>Operation.</summary>
    public ArpOperation Operation => (ArpOperation)BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]);

    /// <summary>Sender hardware address.</summary>
    public MacAddress SenderHardwareAddress => MacAddress.Read(_buffer[8..]);

    /// <summary>Sender protocol address.</summary>
    public Ipv4Address SenderProtocolAddress => Ipv4Address.Read(_buffer[14..]);

    /// <summary>Target hardware address.</summary>
    public MacAddress TargetHardwareAddress => MacAddress.Read(_buffer[18..]);

    /// <summary>Target protocol address.</summary>
    public Ipv4Address TargetProtocolAddress => Ipv4Address.Read(_buffer[24..]);

    /// <summary>Accepts only Ethernet/IPv4 ARP with a known operation; never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out ArpPacket packet)
    {
        packet = new ArpPacket(buffer);
        if (buffer.Length < Length)
        {
            return false;
        }

        var op = BinaryPrimitives.ReadUInt16BigEndian(buffer[6..]);
        return BinaryPrimitives.ReadUInt16BigEndian(buffer) == 1
            && BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]) == (ushort)EtherType.Ipv4
            && buffer[4] == MacAddress.Length
            && buffer[5] == Ipv4Address.Length
            && op is (ushort)ArpOperation.Request or (ushort)ArpOperation.Reply;
    }

    /// <summary>Writes an Ethernet/IPv4 ARP packet; returns <see cref="Length"/>.</summary>
    public static int Write(Span<byte> destination, ArpOperation operation, MacAddress senderMac, Ipv4Address senderIp, MacAddress targetMac, Ipv4Address targetIp)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, 1);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)EtherType.Ipv4);
        destination[4] = MacAddress.Length;
        destination[5] = Ipv4Address.Length;
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)operation);
        senderMac.Write(destination[8..]);
        senderIp.Write(destination[14..]);
        targetMac.Write(destination[18..]);
        targetIp.Write(destination[24..]);
        return Length;
    }
}
