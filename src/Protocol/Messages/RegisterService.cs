using System.Buffers.Binary;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>
/// Host → adapter: offer a TCP port. Body: port u16 · weight u16 · max connections u32.
/// </summary>
/// <param name="Port">The TCP port clients connect to; non-zero.</param>
/// <param name="Weight">Relative share of new connections among hosts offering the port (balancing hint); 1–65535.</param>
/// <param name="MaxConnections">Admission hint: most concurrent connections the host wants; 0 means no limit.</param>
public readonly record struct RegisterService(ushort Port, ushort Weight, uint MaxConnections) : IProtocolMessage<RegisterService>
{
    private const int Length = 8;

    /// <inheritdoc />
    public static MessageType Type => MessageType.RegisterService;

    /// <inheritdoc />
    public int BodyLength => Length;

    /// <inheritdoc />
    public DecodeStatus Validate() => Port != 0 && Weight != 0 ? DecodeStatus.Ok : DecodeStatus.FieldOutOfRange;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, Port);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Weight);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], MaxConnections);
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out RegisterService message)
    {
        message = default;
        return body.Length != Length
            ? DecodeStatus.BodyLengthMismatch
            : BodyDecoding.Accept(new RegisterService(
                BinaryPrimitives.ReadUInt16BigEndian(body),
                BinaryPrimitives.ReadUInt16BigEndian(body[2..]),
                BinaryPrimitives.ReadUInt32BigEndian(body[4..])), out message);
    }
}
