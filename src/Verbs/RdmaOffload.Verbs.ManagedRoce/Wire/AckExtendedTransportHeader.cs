using System.Buffers.Binary;

namespace RdmaOffload.Verbs.ManagedRoce.Wire;

/// <summary>Kind of acknowledgement encoded in the AETH syndrome's top three bits.</summary>
public enum AckKind : byte
{
    /// <summary>Positive ACK; the low five bits carry the credit count.</summary>
    Ack = 0,
    /// <summary>Receiver not ready; the low five bits carry the RNR timer.</summary>
    ReceiverNotReady = 1,
    /// <summary>Reserved encoding.</summary>
    Reserved = 2,
    /// <summary>Negative acknowledgement; the low five bits carry the <see cref="NakCode"/>.</summary>
    Nak = 3,
}

/// <summary>NAK codes (IBA table 43).</summary>
public enum NakCode : byte
{
    /// <summary>PSN sequence error: resend from the NAK's PSN.</summary>
    PsnSequenceError = 0,
    /// <summary>Invalid request (bad opcode sequence, length...).</summary>
    InvalidRequest = 1,
    /// <summary>Remote access error (rkey, bounds or rights).</summary>
    RemoteAccessError = 2,
    /// <summary>Remote operational error.</summary>
    RemoteOperationalError = 3,
    /// <summary>Invalid RD request.</summary>
    InvalidRdRequest = 4,
}

/// <summary>The 4-byte ACK extended transport header: syndrome and 24-bit message sequence number.</summary>
/// <param name="Syndrome">Syndrome byte: kind in bits 7–5 (bit 7 always 0), value in bits 4–0.</param>
/// <param name="MessageSequenceNumber">The responder's MSN (24 bits).</param>
public readonly record struct AckExtendedTransportHeader(byte Syndrome, uint MessageSequenceNumber)
{
    /// <summary>Bytes on the wire.</summary>
    public const int Length = 4;

    /// <summary>Credit count meaning "no end-to-end credit limit" (what rxe advertises).</summary>
    public const byte UnlimitedCredits = 0x1F;

    /// <summary>What kind of acknowledgement the syndrome encodes.</summary>
    public AckKind Kind => (AckKind)((Syndrome >> 5) & 0x3);

    /// <summary>Credits, RNR timer or NAK code, depending on <see cref="Kind"/>.</summary>
    public byte Value => (byte)(Syndrome & 0x1F);

    /// <summary>An ACK.</summary>
    public static AckExtendedTransportHeader Ack(uint msn, byte credits = UnlimitedCredits) => new((byte)(credits & 0x1F), msn & Psn.Mask);

    /// <summary>An RNR NAK with the IB-encoded timer.</summary>
    public static AckExtendedTransportHeader ReceiverNotReady(uint msn, byte timer) => new((byte)(0x20 | (timer & 0x1F)), msn & Psn.Mask);

    /// <summary>A NAK.</summary>
    public static AckExtendedTransportHeader Nak(uint msn, NakCode code) => new((byte)(0x60 | ((byte)code & 0x1F)), msn & Psn.Mask);

    /// <summary>Parses the header; false when <paramref name="source"/> is too short.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out AckExtendedTransportHeader header)
    {
        if (source.Length < Length)
        {
            header = default;
            return false;
        }

        uint word = BinaryPrimitives.ReadUInt32BigEndian(source);
        header = new AckExtendedTransportHeader((byte)(word >> 24), word & Psn.Mask);
        return true;
    }

    /// <summary>Writes the header.</summary>
    public void Write(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Length, nameof(destination));
        BinaryPrimitives.WriteUInt32BigEndian(destination, ((uint)Syndrome << 24) | (MessageSequenceNumber & Psn.Mask));
    }

    /// <summary>
    /// The RNR NAK timer (IBA table 45) in microseconds: 0 means 655.36 ms, 1..31 run from 0.01 ms to 491.52 ms.
    /// </summary>
    public static long RnrTimerMicroseconds(byte timer) => RnrTimerTable[timer & 0x1F];

    private static readonly long[] RnrTimerTable =
    [
        655_360, 10, 20, 30, 40, 60, 80, 120, 160, 240, 320, 480, 640, 960, 1_280, 1_920,
        2_560, 3_840, 5_120, 7_680, 10_240, 15_360, 20_480, 30_720, 40_960, 61_440, 81_920, 122_880, 163_840, 245_760, 327_680, 491_520,
    ];
}
