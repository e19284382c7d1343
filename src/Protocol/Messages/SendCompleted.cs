using System.Buffers.Binary;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>
/// Adapter → host: the client acknowledged every byte of a descriptor; the host may reuse its memory.
/// Completions arrive exactly once per descriptor, in posting order. Body (8 bytes): descriptor id u32 · reserved u32.
/// </summary>
/// <param name="DescriptorId">The completed descriptor: always the oldest outstanding one.</param>
public readonly record struct SendCompleted(uint DescriptorId) : IProtocolMessage<SendCompleted>
{
    private const int EncodedLength = 8;

    /// <inheritdoc />
    public static MessageType Type => MessageType.SendCompleted;

    /// <inheritdoc />
    public int BodyLength => EncodedLength;

    /// <inheritdoc />
    public DecodeStatus Validate() => DecodeStatus.Ok;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, DescriptorId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], 0);
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out SendCompleted message)
    {
        message = default;
        return body.Length != EncodedLength ? DecodeStatus.BodyLengthMismatch
            : BinaryPrimitives.ReadUInt32BigEndian(body[4..]) != 0 ? DecodeStatus.ReservedFieldSet
            : BodyDecoding.Accept(new SendCompleted(BinaryPrimitives.ReadUInt32BigEndian(body)), out message);
    }
}
