namespace RdmaOffload.Protocol;

/// <summary>
/// What went wrong, as reported in a <see cref="Messages.ProtocolError"/> and returned by the state machines.
/// Wire constants: never renumber.
/// </summary>
public enum ProtocolErrorCode : ushort
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>A frame failed to decode; the error message carries the <see cref="Wire.DecodeStatus"/> and offset.</summary>
    MalformedFrame = 1,

    /// <summary>The frame's version differs from the negotiated one.</summary>
    VersionMismatch = 2,

    /// <summary>A message other than the hello/authentication exchange before the host authenticated.</summary>
    NotAuthenticated = 3,

    /// <summary>A message the link or connection state does not allow now.</summary>
    UnexpectedMessage = 4,

    /// <summary>A message sent by the wrong side (for example a host sending <c>DataWritten</c>).</summary>
    WrongSender = 5,

    /// <summary>A connection message for a work queue number the receiver does not know.</summary>
    UnknownWorkQueue = 6,

    /// <summary>Receive credit violated: unknown buffer, duplicate id, write beyond a buffer, or too many buffers.</summary>
    CreditViolation = 7,

    /// <summary>Send queue violated: duplicate id, completion out of order, or too many descriptors.</summary>
    SendQueueViolation = 8,

    /// <summary>A connection message before any service was registered.</summary>
    NotRegistered = 9,

    /// <summary>The authentication proof did not verify.</summary>
    AuthenticationFailed = 10,
}
