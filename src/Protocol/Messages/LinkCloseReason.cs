namespace RdmaOffload.Protocol.Messages;

/// <summary>Why a link is closing.</summary>
public enum LinkCloseReason : ushort
{
    /// <summary>Orderly shutdown of the sender.</summary>
    Shutdown = 1,

    /// <summary>Authentication failed.</summary>
    AuthenticationFailed = 2,

    /// <summary>The peer violated the protocol.</summary>
    ProtocolViolation = 3,

    /// <summary>Keepalive went unanswered.</summary>
    KeepaliveTimeout = 4,
}
