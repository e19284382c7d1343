using System.Buffers.Binary;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>
/// Adapter → host, answering an acceptable <see cref="Hello"/>. Body (frozen, always version 1):
/// chosen version u8 · reserved u8 · reserved u16 · adapter nonce [32] · identity length u8 · identity UTF-8.
/// </summary>
/// <param name="Version">The version both peers will speak from the next message on.</param>
/// <param name="AdapterNonce">Fresh random bytes for this link.</param>
/// <param name="AdapterIdentity">The adapter's name.</param>
public readonly record struct Challenge(byte Version, Bytes32 AdapterNonce, string AdapterIdentity) : IProtocolMessage<Challenge>
{
    private const int FixedLength = 4 + Bytes32.Length;

    /// <inheritdoc />
    public static MessageType Type => MessageType.Challenge;

    /// <inheritdoc />
    public int BodyLength => FixedLength + PeerIdentity.EncodedLength(AdapterIdentity);

    /// <inheritdoc />
    public DecodeStatus Validate() =>
        Version == 0 ? DecodeStatus.FieldOutOfRange
        : !PeerIdentity.IsValid(AdapterIdentity) ? DecodeStatus.MalformedIdentity
        : DecodeStatus.Ok;

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
        destination[0] = Version;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        AdapterNonce.CopyTo(destination[4..]);
        PeerIdentity.Write(destination[FixedLength..], AdapterIdentity);
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out Challenge message)
    {
        message = default;
        if (body.Length < FixedLength + 1)
        {
            return DecodeStatus.BodyLengthMismatch;
        }

        if (body[1] != 0 || BinaryPrimitives.ReadUInt16BigEndian(body[2..]) != 0)
        {
            return DecodeStatus.ReservedFieldSet;
        }

        var identityStatus = PeerIdentity.TryReadToEnd(body[FixedLength..], out var identity);
        if (identityStatus != DecodeStatus.Ok)
        {
            return identityStatus;
        }

        return BodyDecoding.Accept(new Challenge(body[0], Bytes32.Read(body[4..]), identity), out message);
    }
}
