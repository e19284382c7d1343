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

/// <summary>The adapter's verdict on a host's authentication proof.</summary>
public enum AuthStatus : byte
{
    /// <summary>Proof verified; the host is authenticated.</summary>
    Accepted = 1,

    /// <summary>Proof did not verify; the link closes.</summary>
    Rejected = 2,
}

/// <summary>Outcome of a service registration.</summary>
public enum RegistrationStatus : byte
{
    /// <summary>The adapter now steers connections for the port to this host (among others).</summary>
    Registered = 1,

    /// <summary>The adapter does not serve that port (policy or no listener slot).</summary>
    PortNotServed = 2,

    /// <summary>The host already registered the port.</summary>
    AlreadyRegistered = 3,

    /// <summary>The host registered as many services as the adapter allows.</summary>
    LimitReached = 4,
}

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

/// <summary>Why a host refused a connection.</summary>
public enum ConnectionRefusalReason : ushort
{
    /// <summary>The host is at capacity.</summary>
    Overloaded = 1,

    /// <summary>Nothing on the host listens on the service port any more.</summary>
    NotListening = 2,

    /// <summary>The host's policy rejects the client address.</summary>
    Policy = 3,
}

/// <summary>Why a connection was reset.</summary>
public enum ResetReason : ushort
{
    /// <summary>The client sent a TCP RST.</summary>
    ClientReset = 1,

    /// <summary>The host application aborted the connection.</summary>
    HostAbort = 2,

    /// <summary>TCP retransmission or keepalive timed out towards the client.</summary>
    ClientTimeout = 3,

    /// <summary>A protocol violation on this connection.</summary>
    ProtocolViolation = 4,

    /// <summary>An RDMA operation for this connection failed.</summary>
    TransferFailed = 5,

    /// <summary>The sender is shutting down.</summary>
    Shutdown = 6,
}

/// <summary>IP address family of a connection's endpoints, as carried on the wire.</summary>
public enum IpFamily : byte
{
    /// <summary>IPv4: the address occupies the low 32 bits.</summary>
    V4 = 4,

    /// <summary>IPv6.</summary>
    V6 = 6,
}
