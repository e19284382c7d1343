using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>
/// Adapter → host: the adapter will not continue; the link closes. Body (frozen, always version 1):
/// reason u8 · adapter min version u8 · adapter max version u8 · reserved u8.
/// </summary>
/// <param name="Reason">Why.</param>
/// <param name="AdapterVersions">Versions the adapter speaks, so the host can report the mismatch.</param>
public readonly record struct HelloRefused(HelloRefusalReason Reason, VersionRange AdapterVersions) : IProtocolMessage<HelloRefused>
{
    private const int Length = 4;

    /// <inheritdoc />
    public static MessageType Type => MessageType.HelloRefused;

    /// <inheritdoc />
    public int BodyLength => Length;

    /// <inheritdoc />
    public DecodeStatus Validate() =>
        Enum.IsDefined(Reason) && AdapterVersions.IsValid ? DecodeStatus.Ok : DecodeStatus.FieldOutOfRange;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
        destination[0] = (byte)Reason;
        destination[1] = AdapterVersions.Min;
        destination[2] = AdapterVersions.Max;
        destination[3] = 0;
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out HelloRefused message)
    {
        message = default;
        return body.Length != Length ? DecodeStatus.BodyLengthMismatch
            : body[3] != 0 ? DecodeStatus.ReservedFieldSet
            : BodyDecoding.Accept(new HelloRefused((HelloRefusalReason)body[0], new VersionRange(body[1], body[2])), out message);
    }
}
