namespace RdmaOffload.NetStack.Tcp;

/// <summary>TCP connection states (RFC 9293 §3.3.2). LISTEN is represented by <see cref="TcpListener"/>.</summary>
public enum TcpState
{
    /// <summary>No connection.</summary>
    Closed,

    /// <summary>SYN sent, waiting for SYN-ACK.</summary>
    SynSent,

    /// <summary>SYN received and SYN-ACK sent.</summary>
    SynReceived,

    /// <summary>Open.</summary>
    Established,

    /// <summary>Local close; FIN sent, not acknowledged.</summary>
    FinWait1,

    /// <summary>Local FIN acknowledged; waiting for the peer's FIN.</summary>
    FinWait2,

    /// <summary>Peer closed; local side still open.</summary>
    CloseWait,

    /// <summary>Both sides sent FIN simultaneously; waiting for the ACK of ours.</summary>
    Closing,

    /// <summary>Peer closed first, local FIN sent; waiting for its ACK.</summary>
    LastAck,

    /// <summary>Both FINs done; waiting 2×MSL for stray segments.</summary>
    TimeWait,
}

/// <summary>Why a connection ended.</summary>
public enum TcpCloseReason
{
    /// <summary>Both directions closed with FIN.</summary>
    Graceful,

    /// <summary>The peer sent an acceptable RST.</summary>
    ResetByPeer,

    /// <summary>The owner aborted the connection (RST sent).</summary>
    Aborted,

    /// <summary>Retransmissions or keepalives went unanswered.</summary>
    TimedOut,

    /// <summary>The peer refused the connection (RST in SYN-SENT).</summary>
    Refused,
}
