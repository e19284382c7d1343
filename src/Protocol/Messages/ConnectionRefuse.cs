using System.Buffers.Binary;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>Host → adapter: the host declines the connection; the adapter resets the client and forgets the work queue number. Body: reason u16 · reserved u16.</summary>
/// <param name="Reason">Why the host declined.</param>
public readonly record struct ConnectionRefuse(ConnectionRefusalReason Reason) : IProtocolMessage<ConnectionRefuse>
{
    private const int Length = 4;

    /// <inheritdoc />
    public static MessageType Type => MessageType.ConnectionRefuse;

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
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out ConnectionRefuse message)
    {
        message = default;
        return body.Length != Length ? DecodeStatus.BodyLengthMismatch
            : BinaryPrimitives.ReadUInt16BigEndian(body[2..]) != 0 ? DecodeStatus.ReservedFieldSet
            : BodyDecoding.Accept(new ConnectionRefuse((ConnectionRefusalReason)BinaryPrimitives.ReadUInt16BigEndian(body)), out message);
    }
}
