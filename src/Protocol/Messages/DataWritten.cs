using System.Buffers.Binary;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>
/// Adapter → host: client bytes now sit in a posted buffer. Sent on the same queue pair after the RDMA WRITE, so
/// by the time the host sees it the bytes are in place. Offsets grow contiguously from 0 within a buffer and
/// buffers fill in posting order; the buffer returns to the host when its last byte is written (or on FIN/reset).
/// Body (16 bytes): buffer id u32 · offset u32 · byte count u32 · reserved u32.
/// </summary>
/// <param name="BufferId">The buffer written into: the oldest one not yet full.</param>
/// <param name="Offset">Where in the buffer the bytes start: the sum of earlier counts for this buffer.</param>
/// <param name="ByteCount">Bytes written; at least 1.</param>
public readonly record struct DataWritten(uint BufferId, uint Offset, uint ByteCount) : IProtocolMessage<DataWritten>
{
    private const int EncodedLength = 16;

    /// <inheritdoc />
    public static MessageType Type => MessageType.DataWritten;

    /// <inheritdoc />
    public int BodyLength => EncodedLength;

    /// <inheritdoc />
    public DecodeStatus Validate() =>
        ByteCount is > 0 and <= RemoteBufferLimits.MaxLength && Offset <= RemoteBufferLimits.MaxLength - ByteCount
            ? DecodeStatus.Ok
            : DecodeStatus.FieldOutOfRange;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, BufferId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Offset);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ByteCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], 0);
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out DataWritten message)
    {
        message = default;
        return body.Length != EncodedLength ? DecodeStatus.BodyLengthMismatch
            : BinaryPrimitives.ReadUInt32BigEndian(body[12..]) != 0 ? DecodeStatus.ReservedFieldSet
            : BodyDecoding.Accept(new DataWritten(
                BinaryPrimitives.ReadUInt32BigEndian(body),
                BinaryPrimitives.ReadUInt32BigEndian(body[4..]),
                BinaryPrimitives.ReadUInt32BigEndian(body[8..])), out message);
    }
}
