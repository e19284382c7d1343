using System.Buffers.Binary;

namespace RdmaOffload.NetStack.Wire;

/// <summary>ICMP message types the stack uses.</summary>
public enum IcmpType : byte
{
    /// <summary>Echo reply.</summary>
    EchoReply = 0,

    /// <summary>Destination unreachable.</summary>
    DestinationUnreachable = 3,

    /// <summary>Echo request.</summary>
    EchoRequest = 8,

    /// <summary>Time exceeded.</summary>
    TimeExceeded = 11,
}

/// <summary>A checked view of an ICMPv4 message (RFC 792).</summary>
public readonly ref struct IcmpPacket
{
    /// <summary>Length of the fixed header (type, code, checksum, rest-of-header).</summary>
    public const int HeaderLength = 8;

    /// <summary>Destination-unreachable code for "port unreachable".</summary>
    public const byte CodePortUnreachable = 3;

    /// <summary>Destination-unreachable code for "protocol unreachable".</summary>
    public const byte CodeProtocolUnreachable = 2;

    private readonly ReadOnlySpan<byte> _buffer;

    private IcmpPacket(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>Type.</summary>
    public IcmpType Type => (IcmpType)_buffer[0];

    /// <summary>Code.</summary>
    public byte Code => _buffer[1];

    /// <summary>Echo identifier (bytes 4–5).</summary>
    public ushort EchoIdentifier => BinaryPrimitives.ReadUInt16BigEndian(_buffer[4..]);

    /// <summary>Echo sequence number (bytes 6–7).</summary>
    public ushort EchoSequence => BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]);

    /// <summary>Data after the 8-byte header.</summary>
    public ReadOnlySpan<byte> Data => _buffer[HeaderLength..];

    /// <summary>Validates length and checksum; never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out IcmpPacket packet)
    {
        packet = new IcmpPacket(buffer);
        return buffer.Length >= HeaderLength && InternetChecksum.Fold(InternetChecksum.Accumulate(0, buffer)) == 0xFFFF;
    }

    /// <summary>Writes a message whose data is already in place after the header; returns total length.</summary>
    public static int WriteHeader(Span<byte> message, IcmpType type, byte code, uint restOfHeader)
    {
        message[0] = (byte)type;
        message[1] = code;
        message[2] = 0;
        message[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(message[4..], restOfHeader);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], InternetChecksum.Compute(message));
        return message.Length;
    }
}
