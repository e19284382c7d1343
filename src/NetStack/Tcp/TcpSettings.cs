namespace RdmaOffload.NetStack.Tcp;

/// <summary>Per-stack TCP tunables. Times are in microseconds, matching the stack's clock.</summary>
public sealed class TcpSettings
{
    /// <summary>Bytes of receive credit each new connection starts with (the owner grants more).</summary>
    public int InitialReceiveCredit { get; set; } = 256 * 1024;

    /// <summary>Largest receive window this stack will ever advertise; sets the window-scale shift.</summary>
    public int MaxReceiveWindow { get; set; } = 4 * 1024 * 1024;

    /// <summary>Negotiate window scaling (RFC 7323).</summary>
    public bool WindowScaling { get; set; } = true;

    /// <summary>Negotiate timestamps (RFC 7323).</summary>
    public bool Timestamps { get; set; } = true;

    /// <summary>Negotiate SACK (RFC 2018).</summary>
    public bool SelectiveAcknowledgments { get; set; } = true;

    /// <summary>Nagle's algorithm for connections created by this stack (each connection can switch it).</summary>
    public bool NagleEnabled { get; set; } = true;

    /// <summary>Delayed-ACK timeout; 0 acknowledges every segment at once.</summary>
    public long DelayedAckTimeout { get; set; } = 40_000;

    /// <summary>Initial retransmission timeout (RFC 6298: 1 s).</summary>
    public long InitialRto { get; set; } = 1_000_000;

    /// <summary>Lower bound of the RTO. RFC 6298 says 1 s; Linux uses 200 ms, which we follow by default.</summary>
    public long MinRto { get; set; } = 200_000;

    /// <summary>Upper bound of the RTO.</summary>
    public long MaxRto { get; set; } = 60_000_000;

    /// <summary>Consecutive retransmission timeouts after which the connection is dropped.</summary>
    public int MaxRetransmissions { get; set; } = 12;

    /// <summary>SYN(-ACK) retransmissions before a half-open connection is dropped.</summary>
    public int MaxSynRetransmissions { get; set; } = 5;

    /// <summary>TIME-WAIT duration (2·MSL).</summary>
    public long TimeWaitDuration { get; set; } = 60_000_000;

    /// <summary>How long FIN-WAIT-2 waits for the peer's FIN.</summary>
    public long FinWait2Timeout { get; set; } = 60_000_000;

    /// <summary>Send keepalive probes on idle connections.</summary>
    public bool KeepAlive { get; set; }

    /// <summary>Idle time before the first keepalive probe.</summary>
    public long KeepAliveIdle { get; set; } = 7_200_000_000;

    /// <summary>Time between unanswered keepalive probes.</summary>
    public long KeepAliveInterval { get; set; } = 75_000_000;

    /// <summary>Unanswered probes after which the connection is dropped.</summary>
    public int KeepAliveProbes { get; set; } = 9;

    /// <summary>Most half-open (SYN-RECEIVED) connections per listener before SYN cookies (or drops) take over.</summary>
    public int SynBacklog { get; set; } = 1024;

    /// <summary>Answer SYNs beyond the backlog with stateless SYN cookies.</summary>
    public bool SynCookies { get; set; } = true;

    /// <summary>RFC 5961 challenge ACKs allowed per second, stack-wide.</summary>
    public int ChallengeAckLimitPerSecond { get; set; } = 1000;

    /// <summary>Creates the congestion controller for each new connection.</summary>
    public Func<ICongestionControl> CongestionControl { get; set; } = static () => new NewRenoCongestionControl();
}
