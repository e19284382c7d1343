namespace RdmaOffload.Protocol.Messages;

/// <summary>Why an adapter refused a <see cref="Hello"/>.</summary>
public enum HelloRefusalReason : byte
{
    /// <summary>The version ranges do not overlap.</summary>
    VersionUnsupported = 1,

    /// <summary>The adapter accepts no more hosts.</summary>
    TooManyHosts = 2,

    /// <summary>The identity is not allowed on this adapter.</summary>
    IdentityNotAllowed = 3,
}
