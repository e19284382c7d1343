using System.Buffers.Binary;

namespace RdmaOffload.Verbs.ManagedRoce.ConnectionManagement;

/// <summary>Messages of the rendezvous protocol (our own, over TCP; not RDMA CM's MADs).</summary>
internal enum RendezvousType : byte
{
    /// <summary>Client → server: my QP endpoint and private data.</summary>
    Request = 1,
    /// <summary>Server → client: my QP endpoint (already in RTS) and private data.</summary>
    Accept = 2,
    /// <summary>Server → client: refused, with private data.</summary>
    Reject = 3,
    /// <summary>Client → server: my QP is in RTS too (RDMA CM's RTU).</summary>
    Ready = 4,
    /// <summary>Either way: disconnecting (closing the TCP connection means the same).</summary>
    Disconnect = 5,
}

/// <summary>
/// One rendezvous frame: <c>u16 length (big-endian) | u8 type | [48-byte QueuePairEndpoint] | u16 private-data length | private data</c>.
/// The endpoint is present in Request and Accept only. Parsing is checked and never throws.
/// </summary>
internal readonly record struct RendezvousMessage(RendezvousType Type, QueuePairEndpoint Endpoint, ReadOnlyMemory<byte> PrivateData)
{
    /// <summary>Most private data a message carries (RDMA CM allows 56–196 bytes; we are more generous).</summary>
    public const int MaxPrivateData = 1024;

    /// <summary>Largest frame body.</summary>
    public const int MaxBodyLength = 1 + QueuePairEndpoint.EncodedLength + 2 + MaxPrivateData;

    public static bool HasEndpoint(RendezvousType type) => type is RendezvousType.Request or RendezvousType.Accept;

    /// <summary>The frame with its 2-byte length prefix.</summary>
    public byte[] Encode()
    {
        if (PrivateData.Length > MaxPrivateData)
        {
            throw new RdmaConnectionException($"private data is limited to {MaxPrivateData} bytes on this provider");
        }

        int body = 1 + (HasEndpoint(Type) ? QueuePairEndpoint.EncodedLength : 0) + 2 + PrivateData.Length;
        var frame = new byte[2 + body];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)body);
        frame[2] = (byte)Type;
        int offset = 3;
        if (HasEndpoint(Type))
        {
            Endpoint.Encode(frame.AsSpan(offset));
            offset += QueuePairEndpoint.EncodedLength;
        }

        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(offset), (ushort)PrivateData.Length);
        PrivateData.Span.CopyTo(frame.AsSpan(offset + 2));
        return frame;
    }

    /// <summary>Parses a frame body (after the length prefix); false when it is malformed.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, out RendezvousMessage message)
    {
        message = default;
        if (body.Length < 3 || body[0] is < (byte)RendezvousType.Request or > (byte)RendezvousType.Disconnect)
        {
            return false;
        }

        var type = (RendezvousType)body[0];
        int offset = 1;
        QueuePairEndpoint endpoint = default;
        if (HasEndpoint(type))
        {
            if (!QueuePairEndpoint.TryDecode(body[offset..], out endpoint))
            {
                return false;
            }

            offset += QueuePairEndpoint.EncodedLength;
        }

        if (body.Length < offset + 2)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]);
        if (length > MaxPrivateData || body.Length != offset + 2 + length)
        {
            return false;
        }

        message = new RendezvousMessage(type, endpoint, body.Slice(offset + 2, length).ToArray());
        return true;
    }

    /// <summary>Reads one frame; throws <see cref="RdmaConnectionException"/> on EOF or a malformed frame.</summary>
    public static async Task<RendezvousMessage> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var prefix = new byte[2];
        await stream.ReadExactlyAsync(prefix, cancellationToken).ConfigureAwait(false);
        int length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
        if (length > MaxBodyLength)
        {
            throw new RdmaConnectionException("rendezvous: frame too long");
        }

        var body = new byte[length];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return TryDecode(body, out var message) ? message : throw new RdmaConnectionException("rendezvous: malformed frame");
    }

    public async Task WriteAsync(Stream stream, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encode(), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
