using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>
/// Adapter → host: a client completed the TCP handshake with a registered service; the frame's work queue
/// number names the connection from now on. Body (40 bytes):
/// family u8 · reserved u8 · client port u16 · service port u16 · reserved u16 · client address [16] · service address [16].
/// Addresses are big-endian 128-bit fields; an IPv4 address occupies the last four bytes and the first twelve are zero.
/// </summary>
/// <param name="Family">Address family of both endpoints.</param>
/// <param name="ClientAddress">The real client address (not the adapter's).</param>
/// <param name="ClientPort">The client's TCP port; non-zero.</param>
/// <param name="ServiceAddress">The address the client connected to.</param>
/// <param name="ServicePort">The registered service port; non-zero.</param>
public readonly record struct ConnectionOpen(
    IpFamily Family, UInt128 ClientAddress, ushort ClientPort, UInt128 ServiceAddress, ushort ServicePort)
    : IProtocolMessage<ConnectionOpen>
{
    private const int Length = 40;
    private const int AddressLength = 16;

    /// <inheritdoc />
    public static MessageType Type => MessageType.ConnectionOpen;

    /// <inheritdoc />
    public int BodyLength => Length;

    /// <summary>The client endpoint as a <see cref="IPEndPoint"/> (allocates; not for per-packet use).</summary>
    public IPEndPoint ClientEndPoint => new(ToAddress(Family, ClientAddress), ClientPort);

    /// <summary>The service endpoint as a <see cref="IPEndPoint"/> (allocates; not for per-packet use).</summary>
    public IPEndPoint ServiceEndPoint => new(ToAddress(Family, ServiceAddress), ServicePort);

    /// <summary>Builds the message from two endpoints of the same family.</summary>
    /// <exception cref="ArgumentException">The families differ or are neither IPv4 nor IPv6.</exception>
    public static ConnectionOpen FromEndPoints(IPEndPoint client, IPEndPoint service)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(service);
        if (client.AddressFamily != service.AddressFamily)
        {
            throw new ArgumentException("Client and service address families differ.", nameof(service));
        }

        var family = client.AddressFamily switch
        {
            AddressFamily.InterNetwork => IpFamily.V4,
            AddressFamily.InterNetworkV6 => IpFamily.V6,
            _ => throw new ArgumentException("Only IPv4 and IPv6 are carried.", nameof(client)),
        };
        return new ConnectionOpen(family, FromAddress(client.Address), (ushort)client.Port,
            FromAddress(service.Address), (ushort)service.Port);
    }

    /// <inheritdoc />
    public DecodeStatus Validate()
    {
        var addressesFit = Family switch
        {
            IpFamily.V4 => ClientAddress <= uint.MaxValue && ServiceAddress <= uint.MaxValue,
            IpFamily.V6 => true,
            _ => false,
        };
        return addressesFit && ClientPort != 0 && ServicePort != 0 ? DecodeStatus.Ok : DecodeStatus.FieldOutOfRange;
    }

    /// <inheritdoc />
    public void WriteBody(Span<byte> destination)
    {
        destination[0] = (byte)Family;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], ClientPort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], ServicePort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt128BigEndian(destination[8..], ClientAddress);
        BinaryPrimitives.WriteUInt128BigEndian(destination[(8 + AddressLength)..], ServiceAddress);
    }

    /// <inheritdoc />
    public static DecodeStatus TryReadBody(ReadOnlySpan<byte> body, out ConnectionOpen message)
    {
        message = default;
        if (body.Length != Length)
        {
            return DecodeStatus.BodyLengthMismatch;
        }

        if (body[1] != 0 || BinaryPrimitives.ReadUInt16BigEndian(body[6..]) != 0)
        {
            return DecodeStatus.ReservedFieldSet;
        }

        return BodyDecoding.Accept(new ConnectionOpen(
            (IpFamily)body[0],
            BinaryPrimitives.ReadUInt128BigEndian(body[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(body[2..]),
            BinaryPrimitives.ReadUInt128BigEndian(body[(8 + AddressLength)..]),
            BinaryPrimitives.ReadUInt16BigEndian(body[4..])), out message);
    }

    private static UInt128 FromAddress(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[AddressLength];
        bytes.Clear();
        var length = address.AddressFamily == AddressFamily.InterNetwork ? 4 : AddressLength;
        address.TryWriteBytes(bytes[(AddressLength - length)..], out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static IPAddress ToAddress(IpFamily family, UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[AddressLength];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return family == IpFamily.V4 ? new IPAddress(bytes[(AddressLength - 4)..]) : new IPAddress(bytes);
    }
}
