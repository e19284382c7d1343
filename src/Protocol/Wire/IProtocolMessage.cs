namespace RdmaOffload.Protocol.Wire;

/// <summary>
/// A message body layout. Implemented by readonly structs so that encoding and decoding through
/// <see cref="FrameCodec"/> is generic, allocation-free and never boxes.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
public interface IProtocolMessage<TSelf>
    where TSelf : struct, IProtocolMessage<TSelf>
{
    /// <summary>The type byte this body is sent under.</summary>
    static abstract MessageType Type { get; }

    /// <summary>Encoded body length in bytes.</summary>
    int BodyLength { get; }

    /// <summary>Checks every field against its permitted range; <see cref="DecodeStatus.Ok"/> if encodable.</summary>
    DecodeStatus Validate();

    /// <summary>Writes the body; <paramref name="destination"/> is exactly <see cref="BodyLength"/> bytes.</summary>
    void WriteBody(Span<byte> destination);

    /// <summary>Decodes and validates a body without throwing.</summary>
    static abstract DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out TSelf message);
}
