using System.Buffers.Binary;
using System.IO.Hashing;

namespace RdmaOffload.Verbs.ManagedRoce.Wire;

/// <summary>The IP and UDP facts the RoCEv2 ICRC covers besides the transport packet itself.</summary>
/// <param name="Source">Source address as a GID (IPv4-mapped for IPv4).</param>
/// <param name="Destination">Destination address as a GID.</param>
/// <param name="SourcePort">UDP source port.</param>
/// <param name="DestinationPort">UDP destination port (4791 by default).</param>
/// <param name="Ipv4Identification">
/// The IPv4 identification field, which the ICRC does not mask. Linux sends unconnected UDP with DF
/// set and identification 0, which is what this provider's sockets produce.
/// </param>
/// <param name="Ipv4DontFragment">Whether the IPv4 DF flag is set (flags are not masked either).</param>
public readonly record struct IcrcAddressing(
    Gid Source,
    Gid Destination,
    ushort SourcePort,
    ushort DestinationPort,
    ushort Ipv4Identification = 0,
    bool Ipv4DontFragment = true)
{
    /// <summary>True when both addresses are IPv4-mapped.</summary>
    public bool IsIPv4 => IsMapped(Source) && IsMapped(Destination);

    private static bool IsMapped(Gid gid)
    {
        Span<byte> bytes = stackalloc byte[16];
        gid.WriteTo(bytes);
        return BinaryPrimitives.ReadUInt64BigEndian(bytes) == 0 && BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]) == 0xFFFF;
    }
}

/// <summary>
/// The RoCEv2 invariant CRC as Linux rxe computes it (rxe_icrc.c, IBA annex A17): CRC-32 over
/// 8 bytes of 0xFF (the masked LRH), the IP header with TOS/TTL/checksum (v4) or traffic class,
/// flow label and hop limit (v6) set to ones, the UDP header with its checksum set to ones, the BTH
/// with resv8a set to ones, the rest of the transport headers and the padded payload; the CRC is
/// inverted and stored little-endian in the last four bytes.
/// </summary>
public static class InvariantCrc
{
    [ThreadStatic]
    private static Crc32? s_crc;

    /// <summary>Computes the ICRC of <paramref name="packet"/> (whose last 4 bytes are the ICRC slot).</summary>
    public static uint Compute(ReadOnlySpan<byte> packet, in IcrcAddressing addressing)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packet.Length, BaseTransportHeader.Length + RocePacket.IcrcLength, nameof(packet));
        var crc = s_crc ??= new Crc32();
        crc.Reset();
        Span<byte> pseudo = stackalloc byte[8 + 40 + 8 + BaseTransportHeader.Length];
        pseudo[..8].Fill(0xFF);
        int udpLength = 8 + packet.Length;
        int offset = 8;
        Span<byte> address = stackalloc byte[16];
        if (addressing.IsIPv4)
        {
            var ip = pseudo.Slice(offset, 20);
            ip[0] = 0x45;
            ip[1] = 0xFF; // TOS (DSCP/ECN) masked
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + udpLength));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], addressing.Ipv4Identification);
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], addressing.Ipv4DontFragment ? (ushort)0x4000 : (ushort)0);
            ip[8] = 0xFF; // TTL masked
            ip[9] = 17; // UDP
            ip[10] = 0xFF; // header checksum masked
            ip[11] = 0xFF;
            addressing.Source.WriteTo(address);
            address[12..].CopyTo(ip[12..]);
            addressing.Destination.WriteTo(address);
            address[12..].CopyTo(ip[16..]);
            offset += 20;
        }
        else
        {
            var ip = pseudo.Slice(offset, 40);
            BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6FFF_FFFF); // version 6, traffic class and flow label masked
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)udpLength);
            ip[6] = 17;
            ip[7] = 0xFF; // hop limit masked
            addressing.Source.WriteTo(ip[8..]);
            addressing.Destination.WriteTo(ip[24..]);
            offset += 40;
        }

        var udp = pseudo.Slice(offset, 8);
        BinaryPrimitives.WriteUInt16BigEndian(udp, addressing.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], addressing.DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        udp[6] = 0xFF; // UDP checksum masked
        udp[7] = 0xFF;
        offset += 8;
        packet[..BaseTransportHeader.Length].CopyTo(pseudo[offset..]);
        pseudo[offset + 4] = 0xFF; // BTH resv8a masked
        offset += BaseTransportHeader.Length;
        crc.Append(pseudo[..offset]);
        var rest = packet[BaseTransportHeader.Length..^RocePacket.IcrcLength];
        if (FoldingCrc32.IsAccelerated && rest.Length >= FoldingCrc32.MinimumLength)
        {
            // Payload-sized packets: the wider folding, continuing from the register after the headers.
            return ~FoldingCrc32.Update(~crc.GetCurrentHashAsUInt32(), rest, crc);
        }

        crc.Append(rest);
        return crc.GetCurrentHashAsUInt32();
    }

    /// <summary>Computes and stores the ICRC in the last four bytes of <paramref name="packet"/>.</summary>
    public static void Write(Span<byte> packet, in IcrcAddressing addressing) =>
        BinaryPrimitives.WriteUInt32LittleEndian(packet[^RocePacket.IcrcLength..], Compute(packet, addressing));

    /// <summary>True when the packet's stored ICRC matches.</summary>
    public static bool Verify(ReadOnlySpan<byte> packet, in IcrcAddressing addressing) =>
        packet.Length >= BaseTransportHeader.Length + RocePacket.IcrcLength
        && BinaryPrimitives.ReadUInt32LittleEndian(packet[^RocePacket.IcrcLength..]) == Compute(packet, addressing);
}
