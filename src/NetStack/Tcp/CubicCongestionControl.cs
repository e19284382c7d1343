namespace RdmaOffload.NetStack.Tcp;

/// <summary>
/// CUBIC congestion control (RFC 9438): after a loss the window follows W(t) = C·(t − K)³ + W_max, concave up to the
/// previous maximum and convex beyond it, never slower than the Reno-friendly estimate. β = 0.7, C = 0.4, with fast
/// convergence. Slow start and recovery are as in <see cref="NewRenoCongestionControl"/>.
/// </summary>
public sealed class CubicCongestionControl : ICongestionControl
{
    private const double Beta = 0.7;
    private const double C = 0.4;
    private static readonly double RenoFriendlyAlpha = 3 * (1 - Beta) / (1 + Beta);

    private int _mss = 536;
    private double _windowMax;      // W_max in segments
    private double _windowLastMax;  // for fast convergence
    private double _k;              // seconds
    private long _epochStart = -1;  // µs; -1 = no congestion-avoidance epoch yet
    private double _renoEstimate;   // W_est in segments
    private double _cwndSegments;

    /// <inheritdoc/>
    public long CongestionWindow => (long)(_cwndSegments * _mss);

    /// <inheritdoc/>
    public long SlowStartThreshold { get; private set; } = long.MaxValue;

    /// <inheritdoc/>
    public void Initialize(int maximumSegmentSize)
    {
        _mss = maximumSegmentSize;
        _cwndSegments = 10;
    }

    /// <inheritdoc/>
    public void OnAcknowledged(long ackedBytes, long bytesInFlight, long now, long smoothedRtt)
    {
        var acked = (double)ackedBytes / _mss;
        if (CongestionWindow < SlowStartThreshold)
        {
            _cwndSegments += Math.Min(acked, 2);
            return;
        }

        if (_epochStart < 0)
        {
            _epochStart = now;
            if (_windowMax <= _cwndSegments)
            {
                _k = 0;
                _windowMax = _cwndSegments;
            }

            _renoEstimate = _cwndSegments;
        }

        // Target one RTT ahead (RFC 9438 §4.2), bounded to 1.5× the current window.
        var t = (now - _epochStart + smoothedRtt) / 1_000_000.0;
        var target = Math.Clamp((C * Math.Pow(t - _k, 3)) + _windowMax, _cwndSegments, 1.5 * _cwndSegments);
        _renoEstimate += RenoFriendlyAlpha * acked / _cwndSegments;
        if (_renoEstimate > target)
        {
            target = _renoEstimate;
        }

        _cwndSegments += (target - _cwndSegments) / _cwndSegments * acked;
    }

    /// <inheritdoc/>
    public void OnEnterRecovery(long bytesInFlight, long now)
    {
        var cwnd = _cwndSegments;

        // Fast convergence (RFC 9438 §4.7): release bandwidth faster when the maximum keeps dropping.
        _windowMax = cwnd < _windowLastMax ? cwnd * (1 + Beta) / 2 : cwnd;
        _windowLastMax = cwnd;
        _k = Math.Cbrt(_windowMax * (1 - Beta) / C);
        _cwndSegments = Math.Max(cwnd * Beta, 2);
        SlowStartThreshold = (long)(_cwndSegments * _mss);
        _epochStart = -1;
    }

    /// <inheritdoc/>
    public void OnDuplicateAckInRecovery()
    {
        // The connection's SACK/NewReno loss recovery paces retransmissions; CUBIC keeps cwnd = β·W during recovery.
    }

    /// <inheritdoc/>
    public void OnPartialAck(long ackedBytes)
    {
    }

    /// <inheritdoc/>
    public void OnExitRecovery(long bytesInFlight, long now) => _cwndSegments = Math.Max((double)SlowStartThreshold / _mss, 2);

    /// <inheritdoc/>
    public void OnRetransmissionTimeout(long bytesInFlight)
    {
        _windowLastMax = _windowMax;
        _windowMax = _cwndSegments;
        _k = Math.Cbrt(_windowMax * (1 - Beta) / C);
        SlowStartThreshold = (long)Math.Max(_cwndSegments * Beta * _mss, 2.0 * _mss);
        _cwndSegments = 1;
        _epochStart = -1;
    }
}
