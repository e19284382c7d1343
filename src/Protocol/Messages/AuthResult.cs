using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>
/// Adapter → host: verdict on the host's proof. Body: status u8 · reserved [3] · adapter proof [32].
/// A rejection carries an all-zero proof: an adapter that could not verify the host proves nothing to it.
/// </summary>
/// <param name="Status">Accepted or rejected.</param>
/// <param name="AdapterProof">HMAC-SHA256 of the adapter-role transcript when accepted; zero when rejected.</param>
public readonly record struct AuthResult(AuthStatus Status, Bytes32 AdapterProof) : IProtocolMessage<AuthResult>
{
    private const int Length = 4 + Bytes32.Length;

    /// <inheritdoc />
    public static MessageType Type => MessageType.AuthResult;

    /// <inheritdoc />
    public int BodyLength => Length;

    /// <summary>A rejection.</summary>
    public static AuthResult Rejected => new(AuthStatus.Rejected, default);

    /// <inheritdoc />
    public DecodeStatus Validate() => Status switch
    {
        AuthStatus.Accepted => DecodeStatus.Ok,
        AuthStatus.Rejected => AdapterProof.IsZero ? DecodeStatus.Ok : DecodeStatus.FieldOutOfRange,
        _ => DecodeStatus.FieldOutOfRange,
    };

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
        destination[0] = (byte)Status;
        destination[1..4].Clear();
        AdapterProof.CopyTo(destination[4..]);
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out AuthResult message)
    {
        message = default;
        if (body.Length != Length)
        {
            return DecodeStatus.BodyLengthMismatch;
        }

        return body[1..4].ContainsAnyExcept((byte)0)
            ? DecodeStatus.ReservedFieldSet
            : BodyDecoding.Accept(new AuthResult((AuthStatus)body[0], Bytes32.Read(body[4..])), out message);
    }
}
