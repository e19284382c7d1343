namespace RdmaOffload.Protocol.Messages;

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
