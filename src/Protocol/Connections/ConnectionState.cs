namespace RdmaOffload.Protocol.Connections;

/// <summary>
/// Lifecycle of one accelerated connection, seen from one end. "Local" is the end running the state machine:
/// for the host its own send direction, for the adapter the client's (which it reports to the host).
/// </summary>
public enum ConnectionState
{
    /// <summary><c>ConnectionOpen</c> sent/received; waiting for the host to accept or refuse.</summary>
    Opening,

    /// <summary>Accepted; both directions open.</summary>
    Open,

    /// <summary>This end sent <c>Fin</c>; the peer's direction is still open.</summary>
    HalfClosedLocal,

    /// <summary>The peer sent <c>Fin</c>; this end's direction is still open.</summary>
    HalfClosedRemote,

    /// <summary>Both ends sent <c>Fin</c>; send descriptors still await the client's acknowledgment.</summary>
    Draining,

    /// <summary>Both ends sent <c>Fin</c> and every descriptor completed. Terminal.</summary>
    Closed,

    /// <summary>Either end sent <c>Reset</c> or a connection-scoped <c>ProtocolError</c>. Terminal.</summary>
    Reset,

    /// <summary>The host refused the connection. Terminal.</summary>
    Refused,
}
