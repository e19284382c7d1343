namespace RdmaOffload.NetStack.Tcp;

/// <summary>
/// A congestion-control algorithm for one connection (pluggable; see <see cref="TcpSettings.CongestionControl"/>).
/// The connection owns loss detection and recovery; the algorithm owns cwnd and ssthresh. Byte counts throughout.
/// </summary>
public interface ICongestionControl
{
    /// <summary>Congestion window.</summary>
    long CongestionWindow { get; }

    /// <summary>Slow-start threshold.</summary>
    long SlowStartThreshold { get; }

    /// <summary>Called once when the connection is established with the negotiated MSS.</summary>
    void Initialize(int maximumSegmentSize);

    /// <summary>New data was cumulatively acknowledged outside recovery.</summary>
    /// <param name="ackedBytes">Bytes newly acknowledged.</param>
    /// <param name="bytesInFlight">Bytes outstanding before this ACK.</param>
    /// <param name="now">Current time (µs).</param>
    /// <param name="smoothedRtt">The connection's SRTT (µs), 0 before the first sample.</param>
    void OnAcknowledged(long ackedBytes, long bytesInFlight, long now, long smoothedRtt);

    /// <summary>Loss detected by duplicate ACKs or SACK; fast recovery begins.</summary>
    void OnEnterRecovery(long bytesInFlight, long now);

    /// <summary>A duplicate ACK arrived during NewReno (non-SACK) recovery: inflate the window.</summary>
    void OnDuplicateAckInRecovery();

    /// <summary>A partial ACK arrived during recovery.</summary>
    void OnPartialAck(long ackedBytes);

    /// <summary>Recovery ended (all data outstanding at its start acknowledged).</summary>
    void OnExitRecovery(long bytesInFlight, long now);

    /// <summary>The retransmission timer fired.</summary>
    void OnRetransmissionTimeout(long bytesInFlight);
}

/// <summary>NewReno congestion control (RFC 5681, RFC 6582) with the RFC 6928 initial window of 10 segments.</summary>
public sealed class NewRenoCongestionControl : ICongestionControl
{
    private int _mss = 536;
    private long _bytesAckedInAvoidance;

    /// <inheritdoc/>
    public long CongestionWindow { get; private set; }

    /// <inheritdoc/>
    public long SlowStartThreshold { get; private set; } = long.MaxValue;

    /// <inheritdoc/>
    public void Initialize(int maximumSegmentSize)
    {
        _mss = maximumSegmentSize;
        CongestionWindow = 10L * maximumSegmentSize;
    }

    /// <inheritdoc/>
    public void OnAcknowledged(long ackedBytes, long bytesInFlight, long now, long smoothedRtt)
    {
        if (CongestionWindow < SlowStartThreshold)
        {
            // Slow start with appropriate byte counting, limited to 2·SMSS per ACK (RFC 3465).
            CongestionWindow += Math.Min(ackedBytes, 2L * _mss);
            return;
        }

        // Congestion avoidance: one SMSS per window's worth of acknowledged bytes.
        _bytesAckedInAvoidance += ackedBytes;
        if (_bytesAckedInAvoidance >= CongestionWindow)
        {
            _bytesAckedInAvoidance -= CongestionWindow;
            CongestionWindow += _mss;
        }
    }

    /// <inheritdoc/>
    public void OnEnterRecovery(long bytesInFlight, long now)
    {
        SlowStartThreshold = Math.Max(bytesInFlight / 2, 2L * _mss);
        CongestionWindow = SlowStartThreshold + (3L * _mss);
    }

    /// <inheritdoc/>
    public void OnDuplicateAckInRecovery() => CongestionWindow += _mss;

    /// <inheritdoc/>
    public void OnPartialAck(long ackedBytes)
    {
        // RFC 6582 §3.2 step 5: deflate by the amount acknowledged, add back one SMSS.
        CongestionWindow = Math.Max(CongestionWindow - ackedBytes + _mss, _mss);
    }

    /// <inheritdoc/>
    public void OnExitRecovery(long bytesInFlight, long now) =>
        CongestionWindow = Math.Max(Math.Min(SlowStartThreshold, Math.Max(bytesInFlight, _mss) + _mss), 2L * _mss);

    /// <inheritdoc/>
    public void OnRetransmissionTimeout(long bytesInFlight)
    {
        SlowStartThreshold = Math.Max(bytesInFlight / 2, 2L * _mss);
        CongestionWindow = _mss;
        _bytesAckedInAvoidance = 0;
    }
}
