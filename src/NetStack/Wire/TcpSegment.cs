using System.Buffers.Binary;

namespace RdmaOffload.NetStack.Wire;

/// <summary>A checked view of a TCP segment (RFC 9293 §3.1).</summary>
public readonly ref struct TcpSegment
{
    /// <summary>Length of a header without options.</summary>
    public const int MinHeaderLength = 20;

    /// <summary>Largest header (data offset 15).</summary>
    public const int MaxHeaderLength = 60;

    private readonly ReadOnlySpan<byte> _buffer;

    private TcpSegment(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>Source port.</summary>
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_buffer);

    /// <summary>Destination port.</summary>
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]);

    /// <summary>Sequence number.</summary>
    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_buffer[4..]);

    /// <summary>Acknowledgment number.</summary>
    public uint AcknowledgmentNumber => BinaryPrimitives.ReadUInt32BigEndian(_buffer[8..]);

    /// <summary>Header length in bytes.</summary>
    public int HeaderLength => (_buffer[12] >> 4) * 4;

    /// <summary>Control bits.</summary>
    public TcpFlags Flags => (TcpFlags)_buffer[13];

    /// <summary>Window field (unscaled).</summary>
    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(_buffer[14..]);

    /// <summary>Checksum field.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_buffer[16..]);

    /// <summary>Urgent pointer.</summary>
    public ushort UrgentPointer => BinaryPrimitives.ReadUInt16BigEndian(_buffer[18..]);

    /// <summary>Raw option bytes.</summary>
    public ReadOnlySpan<byte> Options => _buffer[MinHeaderLength..HeaderLength];

    /// <summary>Payload.</summary>
    public ReadOnlySpan<byte> Payload => _buffer[HeaderLength..];

    /// <summary>Sequence space consumed: payload plus one each for SYN and FIN.</summary>
    public int SequenceLength => Payload.Length + ((Flags & TcpFlags.Syn) != 0 ? 1 : 0) + ((Flags & TcpFlags.Fin) != 0 ? 1 : 0);

    /// <summary>Validates the header length; never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out TcpSegment segment)
    {
        segment = new TcpSegment(buffer);
        if (buffer.Length < MinHeaderLength)
        {
            return false;
        }

        var headerLength = (buffer[12] >> 4) * 4;
        return headerLength >= MinHeaderLength && headerLength <= buffer.Length;
    }

    /// <summary>Verifies the checksum over the pseudo-header and the whole segment.</summary>
    public static bool VerifyChecksum(ReadOnlySpan<byte> segment, Ipv4Address source, Ipv4Address destination) =>
        InternetChecksum.Fold(InternetChecksum.Accumulate(
            InternetChecksum.PseudoHeaderSum(source, destination, (byte)IpProtocol.Tcp, segment.Length), segment)) == 0xFFFF;

    /// <summary>
    /// Writes the fixed header and <paramref name="options"/> at the start of <paramref name="destination"/>;
    /// returns the header length. The checksum is left zero: call <see cref="WriteChecksum"/> once the payload is in place.
    /// </summary>
    public static int WriteHeader(Span<byte> destination, ushort sourcePort, ushort destinationPort, uint sequence,
        uint acknowledgment, TcpFlags flags, ushort window, in TcpOptions options)
    {
        var optionLength = options.Write(destination[MinHeaderLength..]);
        var headerLength = MinHeaderLength + optionLength;
        BinaryPrimitives.WriteUInt16BigEndian(destination, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], acknowledgment);
        destination[12] = (byte)((headerLength / 4) << 4);
        destination[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(destination[14..], window);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], 0);
        return headerLength;
    }

    /// <summary>Computes and stores the checksum of a complete segment.</summary>
    public static void WriteChecksum(Span<byte> segment, Ipv4Address source, Ipv4Address destination)
    {
        segment[16] = 0;
        segment[17] = 0;
        var sum = InternetChecksum.PseudoHeaderSum(source, destination, (byte)IpProtocol.Tcp, segment.Length);
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], InternetChecksum.Compute(segment, sum));
    }
}
