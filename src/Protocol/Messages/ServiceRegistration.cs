using System.Buffers.Binary;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>Adapter → host: outcome of a <see cref="RegisterService"/>. Body: port u16 · status u8 · reserved u8.</summary>
/// <param name="Port">The port the host asked for.</param>
/// <param name="Status">The outcome.</param>
public readonly record struct ServiceRegistration(ushort Port, RegistrationStatus Status) : IProtocolMessage<ServiceRegistration>
{
    private const int Length = 4;

    /// <inheritdoc />
    public static MessageType Type => MessageType.ServiceRegistration;

    /// <inheritdoc />
    public int BodyLength => Length;

    /// <inheritdoc />
    public DecodeStatus Validate() => Port != 0 && Enum.IsDefined(Status) ? DecodeStatus.Ok : DecodeStatus.FieldOutOfRange;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, Port);
        destination[2] = (byte)Status;
        destination[3] = 0;
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out ServiceRegistration message)
    {
        message = default;
        return body.Length != Length ? DecodeStatus.BodyLengthMismatch
            : body[3] != 0 ? DecodeStatus.ReservedFieldSet
            : BodyDecoding.Accept(new ServiceRegistration(BinaryPrimitives.ReadUInt16BigEndian(body), (RegistrationStatus)body[2]), out message);
    }
}
