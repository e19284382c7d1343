namespace RdmaOffload.HostAgent;

/// <summary>Why a connection's pipes failed.</summary>
internal enum ConnectionError
{
    /// <summary>The client reset the connection (or the adapter did on its behalf).</summary>
    ResetByClient,

    /// <summary>This host aborted the connection.</summary>
    AbortedByHost,

    /// <summary>The peer broke the protocol on this connection.</summary>
    ProtocolViolation,

    /// <summary>The link to the adapter failed.</summary>
    LinkLost,
}
