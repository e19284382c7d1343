using System.Buffers.Binary;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>
/// Host → adapter, first message on a link. Body (frozen, always version 1):
/// min version u8 · max version u8 · reserved u16 · host nonce [32] · identity length u8 · identity UTF-8.
/// </summary>
/// <param name="Versions">Versions the host speaks.</param>
/// <param name="HostNonce">Fresh random bytes for this link.</param>
/// <param name="HostIdentity">The host's name, as provisioned with its shared secret.</param>
public readonly record struct Hello(VersionRange Versions, Bytes32 HostNonce, string HostIdentity) : IProtocolMessage<Hello>
{
    private const int FixedLength = 4 + Bytes32.Length;

    /// <inheritdoc />
    public static MessageType Type => MessageType.Hello;

    /// <inheritdoc />
    public int BodyLength => FixedLength + PeerIdentity.EncodedLength(HostIdentity);

    /// <inheritdoc />
    public DecodeStatus Validate() =>
        !Versions.IsValid ? DecodeStatus.FieldOutOfRange
        : !PeerIdentity.IsValid(HostIdentity) ? DecodeStatus.MalformedIdentity
        : DecodeStatus.Ok;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
        destination[0] = Versions.Min;
        destination[1] = Versions.Max;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        HostNonce.CopyTo(destination[4..]);
        PeerIdentity.Write(destination[FixedLength..], HostIdentity);
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out Hello message)
    {
        message = default;
        if (body.Length < FixedLength + 1)
        {
            return DecodeStatus.BodyLengthMismatch;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(body[2..]) != 0)
        {
            return DecodeStatus.ReservedFieldSet;
        }

        var identityStatus = PeerIdentity.TryReadToEnd(body[FixedLength..], out var identity);
        if (identityStatus != DecodeStatus.Ok)
        {
            return identityStatus;
        }

        return BodyDecoding.Accept(new Hello(new VersionRange(body[0], body[1]), Bytes32.Read(body[4..]), identity), out message);
    }
}
