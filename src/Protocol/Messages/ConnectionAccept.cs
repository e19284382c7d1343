using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>Host → adapter: the host takes the connection opened by <see cref="ConnectionOpen"/>; receive buffers may follow in the same batch. Body: empty.</summary>
public readonly record struct ConnectionAccept : IProtocolMessage<ConnectionAccept>
{
    /// <inheritdoc />
    public static MessageType Type => MessageType.ConnectionAccept;

    /// <inheritdoc />
    public int BodyLength => 0;

    /// <inheritdoc />
    public DecodeStatus Validate() => DecodeStatus.Ok;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out ConnectionAccept message)
    {
        message = default;
        return body.IsEmpty ? DecodeStatus.Ok : DecodeStatus.BodyLengthMismatch;
    }
}
