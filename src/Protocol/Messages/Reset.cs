using System.Buffers.Binary;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>Either way: the connection is aborted. The adapter sends TCP RST to the client; the host fails pending I/O and owns every posted buffer and descriptor again. Nothing more is sent on the work queue number; messages for it that were already in flight are dropped. Body: reason u16 · reserved u16.</summary>
/// <param name="Reason">Why the connection was aborted.</param>
public readonly record struct Reset(ResetReason Reason) : IProtocolMessage<Reset>
{
    private const int Length = 4;

    /// <inheritdoc />
    public static MessageType Type => MessageType.Reset;

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
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out Reset message)
    {
        message = default;
        return body.Length != Length ? DecodeStatus.BodyLengthMismatch
            : BinaryPrimitives.ReadUInt16BigEndian(body[2..]) != 0 ? DecodeStatus.ReservedFieldSet
            : BodyDecoding.Accept(new Reset((ResetReason)BinaryPrimitives.ReadUInt16BigEndian(body)), out message);
    }
}
