namespace RdmaOffload.Protocol.Wire;

/// <summary>Outcome of decoding a frame or a body. Decoders report these instead of throwing.</summary>
public enum DecodeStatus : byte
{
    /// <summary>Decoded and every field is in range.</summary>
    Ok = 0,

    /// <summary>Fewer bytes than the header, or than the frame's declared length.</summary>
    Truncated = 1,

    /// <summary>The first two bytes are not <see cref="FrameHeader.Magic"/>.</summary>
    BadMagic = 2,

    /// <summary>The header's version is not one this build decodes for this type.</summary>
    UnsupportedVersion = 3,

    /// <summary>The message type byte is not defined.</summary>
    UnknownMessageType = 4,

    /// <summary>A flag bit that this version leaves reserved is set.</summary>
    ReservedFlagsSet = 5,

    /// <summary>The declared frame length is below the header length or above <see cref="FrameHeader.MaxFrameLength"/>.</summary>
    BadFrameLength = 6,

    /// <summary>A link-level message carries a non-zero work queue number, or a connection message carries 0.</summary>
    WorkQueueScopeMismatch = 7,

    /// <summary>The body length does not match the message type's layout.</summary>
    BodyLengthMismatch = 8,

    /// <summary>A reserved body field is not zero.</summary>
    ReservedFieldSet = 9,

    /// <summary>A body field is outside its permitted range.</summary>
    FieldOutOfRange = 10,

    /// <summary>An identity is empty, too long, or not well-formed UTF-8.</summary>
    MalformedIdentity = 11,

    /// <summary>The frame is valid but not of the type the caller asked to decode.</summary>
    UnexpectedMessageType = 12,
}
