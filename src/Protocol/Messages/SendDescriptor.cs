using System.Buffers.Binary;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>
/// Host → adapter: registered bytes to send to the client, after every byte of earlier descriptors. The adapter RDMA-READs them as the TCP windows open (again on retransmission), so the host must leave them untouched until <see cref="SendCompleted"/>.
/// Body (24 bytes): DescriptorId u32 · rkey u32 · address u64 · length u32 · reserved u32.
/// </summary>
/// <param name="DescriptorId">Host-chosen id, unique among this connection's outstanding descriptors.</param>
/// <param name="RemoteKey">rkey of the memory region holding the bytes.</param>
/// <param name="Address">Virtual address of the first byte in the host's registration.</param>
/// <param name="Length">Length in bytes; 1 to <see cref="RemoteBufferLimits.MaxLength"/>.</param>
public readonly record struct SendDescriptor(uint DescriptorId, uint RemoteKey, ulong Address, uint Length) : IProtocolMessage<SendDescriptor>
{
    private const int EncodedLength = 24;

    /// <inheritdoc />
    public static MessageType Type => MessageType.SendDescriptor;

    /// <inheritdoc />
    public int BodyLength => EncodedLength;

    /// <inheritdoc />
    public DecodeStatus Validate() =>
        RemoteBufferLimits.IsValidRegion(Address, Length) ? DecodeStatus.Ok : DecodeStatus.FieldOutOfRange;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, DescriptorId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], RemoteKey);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Address);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], 0);
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out SendDescriptor message)
    {
        message = default;
        return body.Length != EncodedLength ? DecodeStatus.BodyLengthMismatch
            : BinaryPrimitives.ReadUInt32BigEndian(body[20..]) != 0 ? DecodeStatus.ReservedFieldSet
            : BodyDecoding.Accept(new SendDescriptor(
                BinaryPrimitives.ReadUInt32BigEndian(body),
                BinaryPrimitives.ReadUInt32BigEndian(body[4..]),
                BinaryPrimitives.ReadUInt64BigEndian(body[8..]),
                BinaryPrimitives.ReadUInt32BigEndian(body[16..])), out message);
    }
}
