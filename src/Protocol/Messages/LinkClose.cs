using System.Buffers.Binary;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>
/// Either way: the sender is closing the link; every connection on it is reset. Body: reason u16 · reserved u16.
/// </summary>
/// <param name="Reason">Why.</param>
public readonly record struct LinkClose(LinkCloseReason Reason) : IProtocolMessage<LinkClose>
{
    private const int Length = 4;

    /// <inheritdoc />
    public static MessageType Type => MessageType.LinkClose;

    /// <inheritdoc />
    public int BodyLength => Length;

    /// <inheritdoc />
    public DecodeStatus Validate() => Enum.IsDefined(Reason) ? DecodeStatus.Ok : DecodeStatus.FieldOutOfRange;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)Reason);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out LinkClose message)
    {
        message = default;
        return body.Length != Length ? DecodeStatus.BodyLengthMismatch
            : BinaryPrimitives.ReadUInt16BigEndian(body[2..]) != 0 ? DecodeStatus.ReservedFieldSet
            : BodyDecoding.Accept(new LinkClose((LinkCloseReason)BinaryPrimitives.ReadUInt16BigEndian(body)), out message);
    }
}
