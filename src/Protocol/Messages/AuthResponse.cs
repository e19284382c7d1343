using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>Host → adapter: the host's proof. Body: proof [32] (see <see cref="Auth.AuthTranscript"/>).</summary>
/// <param name="HostProof">HMAC-SHA256 of the host-role transcript under the shared secret.</param>
public readonly record struct AuthResponse(Bytes32 HostProof) : IProtocolMessage<AuthResponse>
{
    /// <inheritdoc />
    public static MessageType Type => MessageType.AuthResponse;

    /// <inheritdoc />
    public int BodyLength => Bytes32.Length;

    /// <inheritdoc />
    public DecodeStatus Validate() => DecodeStatus.Ok;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination) => HostProof.CopyTo(destination);

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out AuthResponse message)
    {
        message = default;
        return body.Length != Bytes32.Length
            ? DecodeStatus.BodyLengthMismatch
            : BodyDecoding.Accept(new AuthResponse(Bytes32.Read(body)), out message);
    }
}
