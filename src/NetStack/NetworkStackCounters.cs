namespace RdmaOffload.NetStack;

/// <summary>Stack-wide counters (monotonic).</summary>
public sealed class NetworkStackCounters
{
    /// <summary>Frames given to <see cref="NetworkStack.Handle"/>.</summary>
    public long FramesReceived { get; internal set; }

    /// <summary>Frames dropped as malformed, foreign or unsupported.</summary>
    public long FramesDropped { get; internal set; }

    /// <summary>Frames committed to the sink.</summary>
    public long FramesSent { get; internal set; }

    /// <summary>TCP segments handed to the sink as parts of larger offloaded frames (TSO).</summary>
    public long OffloadedSegmentsSent { get; internal set; }

    /// <summary>IPv4 packets or TCP segments dropped for a bad checksum.</summary>
    public long ChecksumErrors { get; internal set; }

    /// <summary>Outgoing packets dropped because the next hop's MAC was unknown (an ARP request was sent).</summary>
    public long ArpMisses { get; internal set; }

    /// <summary>ICMP echo replies sent.</summary>
    public long EchoRepliesSent { get; internal set; }

    /// <summary>ICMP destination-unreachable messages sent.</summary>
    public long UnreachablesSent { get; internal set; }

    /// <summary>RSTs sent for segments matching no connection or listener.</summary>
    public long ResetsSent { get; internal set; }

    /// <summary>RFC 5961 challenge ACKs sent.</summary>
    public long ChallengeAcksSent { get; internal set; }

    /// <summary>SYNs dropped because the backlog was full and cookies are off.</summary>
    public long SynsDropped { get; internal set; }

    /// <summary>Connections removed from the table.</summary>
    public long ConnectionsClosed { get; internal set; }

    /// <summary>Datagrams reassembled from fragments.</summary>
    public long DatagramsReassembled { get; internal set; }
}
