using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>Either way: the sender's direction is finished. From the host: send TCP FIN once every queued descriptor's bytes are sent; no descriptors follow. From the adapter: the client sent FIN after every byte already reported in DataWritten; no DataWritten follows, and every posted buffer returns to the host. Body: empty.</summary>
public readonly record struct Fin : IProtocolMessage<Fin>
{
    /// <inheritdoc />
    public static MessageType Type => MessageType.Fin;

    /// <inheritdoc />
    public int BodyLength => 0;

    /// <inheritdoc />
    public DecodeStatus Validate() => DecodeStatus.Ok;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out Fin message)
    {
        message = default;
        return body.IsEmpty ? DecodeStatus.Ok : DecodeStatus.BodyLengthMismatch;
    }
}
