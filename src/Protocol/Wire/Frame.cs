using System.Buffers.Binary;

namespace RdmaOffload.Protocol.Wire;

/// <summary>
/// A checked view of one frame whose header and body have been validated. Obtain one with
/// <see cref="TryRead"/> or <see cref="FrameBatchReader"/>; decode the body with <see cref="FrameCodec.TryDecode{T}"/>.
/// </summary>
public readonly ref struct Frame
{
    private Frame(byte version, MessageType type, uint workQueue, ReadOnlySpan<byte> body)
    {
        Version = version;
        Type = type;
        WorkQueue = workQueue;
        Body = body;
    }

    /// <summary>Protocol version the frame was encoded with.</summary>
    public byte Version { get; }

    /// <summary>Message type.</summary>
    public MessageType Type { get; }

    /// <summary>Work queue number: 0 for link-level messages.</summary>
    public uint WorkQueue { get; }

    /// <summary>The body bytes (frame length minus header).</summary>
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>Total frame length in bytes.</summary>
    public int Length => FrameHeader.Length + Body.Length;

    /// <summary>
    /// Validates the frame at the start of <paramref name="buffer"/>, header and body, without throwing.
    /// On success <paramref name="frame"/> views it and <see cref="Length"/> is the number of bytes it occupies.
    /// </summary>
    public static DecodeStatus TryRead(ReadOnlySpan<byte> buffer, out Frame frame)
    {
        frame = default;
        if (buffer.Length < FrameHeader.Length)
        {
            return DecodeStatus.Truncated;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(buffer) != FrameHeader.Magic)
        {
            return DecodeStatus.BadMagic;
        }

        var version = buffer[2];
        var type = (MessageType)buffer[3];
        var scope = MessageTypes.ScopeOf(type);
        if (scope == MessageScope.Unknown)
        {
            return DecodeStatus.UnknownMessageType;
        }

        var versionOk = MessageTypes.IsVersionFrozen(type) ? version == ProtocolVersions.Base : ProtocolVersions.IsSupported(version);
        if (!versionOk)
        {
            return DecodeStatus.UnsupportedVersion;
        }

        if ((BinaryPrimitives.ReadUInt16BigEndian(buffer[4..]) & ~FrameHeader.DefinedFlags) != 0)
        {
            return DecodeStatus.ReservedFlagsSet;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[6..]);
        if (length is < FrameHeader.Length or > FrameHeader.MaxFrameLength)
        {
            return DecodeStatus.BadFrameLength;
        }

        if (length > buffer.Length)
        {
            return DecodeStatus.Truncated;
        }

        var workQueue = BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]);
        var scopeOk = scope switch
        {
            MessageScope.Link => workQueue == 0,
            MessageScope.Connection => workQueue != 0,
            _ => true,
        };
        if (!scopeOk)
        {
            return DecodeStatus.WorkQueueScopeMismatch;
        }

        var body = buffer[FrameHeader.Length..length];
        var bodyStatus = FrameCodec.ValidateBody(type, body);
        if (bodyStatus != DecodeStatus.Ok)
        {
            return bodyStatus;
        }

        frame = new Frame(version, type, workQueue, body);
        return DecodeStatus.Ok;
    }
}
