using System.Buffers.Binary;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>
/// Host → adapter: a registered buffer the adapter may RDMA-WRITE client bytes into. Posting is the receive credit: the adapter fills posted buffers of a connection in posting order, each from its first byte, and advertises their free bytes as the TCP window.
/// Body (24 bytes): BufferId u32 · rkey u32 · address u64 · length u32 · reserved u32.
/// </summary>
/// <param name="BufferId">Host-chosen id, unique among this connection's buffers not yet returned.</param>
/// <param name="RemoteKey">rkey of the memory region holding the bytes.</param>
/// <param name="Address">Virtual address of the first byte in the host's registration.</param>
/// <param name="Length">Length in bytes; 1 to <see cref="RemoteBufferLimits.MaxLength"/>.</param>
public readonly record struct PostReceiveBuffer(uint BufferId, uint RemoteKey, ulong Address, uint Length) : IProtocolMessage<PostReceiveBuffer>
{
    private const int EncodedLength = 24;

    /// <inheritdoc />
    public static MessageType Type => MessageType.PostReceiveBuffer;

    /// <inheritdoc />
    public int BodyLength => EncodedLength;

    /// <inheritdoc />
    public DecodeStatus Validate() =>
        RemoteBufferLimits.IsValidRegion(Address, Length) ? DecodeStatus.Ok : DecodeStatus.FieldOutOfRange;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, BufferId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], RemoteKey);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Address);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], 0);
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out PostReceiveBuffer message)
    {
        message = default;
        return body.Length != EncodedLength ? DecodeStatus.BodyLengthMismatch
            : BinaryPrimitives.ReadUInt32BigEndian(body[20..]) != 0 ? DecodeStatus.ReservedFieldSet
            : BodyDecoding.Accept(new PostReceiveBuffer(
                BinaryPrimitives.ReadUInt32BigEndian(body),
                BinaryPrimitives.ReadUInt32BigEndian(body[4..]),
                BinaryPrimitives.ReadUInt64BigEndian(body[8..]),
                BinaryPrimitives.ReadUInt32BigEndian(body[16..])), out message);
    }
}
