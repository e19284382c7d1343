using System.Buffers.Binary;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>Either way, link-level keepalive: the receiver answers with a <see cref="Pong"/> echoing the token. Body: token u64.</summary>
/// <param name="Token">Opaque to the receiver; lets the sender match answers and measure round trips.</param>
public readonly record struct Ping(ulong Token) : IProtocolMessage<Ping>
{
    private const int Length = 8;

    /// <inheritdoc />
    public static MessageType Type => MessageType.Ping;

    /// <inheritdoc />
    public int BodyLength => Length;

    /// <inheritdoc />
    public DecodeStatus Validate() => DecodeStatus.Ok;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination) => BinaryPrimitives.WriteUInt64BigEndian(destination, Token);

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out Ping message)
    {
        message = default;
        return body.Length != Length
            ? DecodeStatus.BodyLengthMismatch
            : BodyDecoding.Accept(new Ping(BinaryPrimitives.ReadUInt64BigEndian(body)), out message);
    }
}
