using System.Buffers.Binary;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>
/// Either way: the sender rejected something the receiver sent. Sent with work queue number 0 for the link (the
/// link then closes) or with a connection's number (that connection is then reset). Body:
/// code u16 · offending type u8 · decode status u8 · offset u32.
/// </summary>
/// <param name="Code">What went wrong.</param>
/// <param name="OffendingType">Type byte of the rejected message, as received (may be undefined); 0 if unknown.</param>
/// <param name="DecodeStatus">For <see cref="ProtocolErrorCode.MalformedFrame"/>, why decoding failed; otherwise Ok.</param>
/// <param name="Offset">For <see cref="ProtocolErrorCode.MalformedFrame"/>, the byte offset of the bad frame in its batch.</param>
public readonly record struct ProtocolError(ProtocolErrorCode Code, byte OffendingType, DecodeStatus DecodeStatus, uint Offset)
    : IProtocolMessage<ProtocolError>
{
    private const int Length = 8;

    /// <inheritdoc />
    public static MessageType Type => MessageType.ProtocolError;

    /// <summary>
    /// The report for a batch that failed to decode: <paramref name="batch"/> and the reader's error offset give the
    /// offending type byte when the frame got that far.
    /// </summary>
    public static ProtocolError ForMalformedFrame(DecodeStatus status, ReadOnlySpan<byte> batch, int offset)
    {
        if (status == DecodeStatus.Ok)
        {
            throw new ArgumentOutOfRangeException(nameof(status), "A decode failure is required.");
        }

        var typeOffset = offset + 3;
        var offendingType = offset >= 0 && typeOffset < batch.Length ? batch[typeOffset] : (byte)0;
        return new ProtocolError(ProtocolErrorCode.MalformedFrame, offendingType, status, (uint)Math.Max(offset, 0));
    }

    /// <summary>The report for a well-formed message a state machine judged a violation.</summary>
    public static ProtocolError ForViolation(Verdict verdict, MessageType offendingType)
    {
        if (!verdict.IsViolation)
        {
            throw new ArgumentOutOfRangeException(nameof(verdict), "A violation is required.");
        }

        return new ProtocolError(verdict.Error, (byte)offendingType, DecodeStatus.Ok, 0);
    }

    /// <inheritdoc />
    public int BodyLength => Length;

    /// <inheritdoc />
    public DecodeStatus Validate() =>
        Code != ProtocolErrorCode.None && Enum.IsDefined(Code) && Enum.IsDefined(DecodeStatus)
        && (Code == ProtocolErrorCode.MalformedFrame) == (DecodeStatus != DecodeStatus.Ok)
            ? DecodeStatus.Ok
            : DecodeStatus.FieldOutOfRange;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)Code);
        destination[2] = OffendingType;
        destination[3] = (byte)DecodeStatus;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Offset);
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out ProtocolError message)
    {
        message = default;
        return body.Length != Length
            ? DecodeStatus.BodyLengthMismatch
            : BodyDecoding.Accept(new ProtocolError(
                (ProtocolErrorCode)BinaryPrimitives.ReadUInt16BigEndian(body),
                body[2],
                (DecodeStatus)body[3],
                BinaryPrimitives.ReadUInt32BigEndian(body[4..])), out message);
    }
}
