namespace RdmaOffload.NetStack.Tcp;

/// <summary>RFC 6298 smoothed RTT, variance and retransmission timeout with exponential back-off. Times in microseconds.</summary>
internal struct RttEstimator
{
    private const long ClockGranularity = 1_000;
    private long _smoothedRtt;
    private long _rttVariance;
    private bool _hasSample;
    private int _backoffShift;

    public RttEstimator(long initialRto, long minRto, long maxRto)
    {
        BaseRto = initialRto;
        MinRto = minRto;
        MaxRto = maxRto;
    }

    public long MinRto { get; }

    public long MaxRto { get; }

    /// <summary>RTO before back-off.</summary>
    public long BaseRto { get; private set; }

    public readonly long SmoothedRtt => _smoothedRtt;

    public readonly bool HasSample => _hasSample;

    /// <summary>The RTO to arm now, including back-off.</summary>
    public readonly long CurrentRto => Math.Min(BaseRto << Math.Min(_backoffShift, 20), MaxRto);

    public readonly int BackoffCount => _backoffShift;

    public void AddSample(long rtt)
    {
        rtt = Math.Max(rtt, 1);
        if (!_hasSample)
        {
            _smoothedRtt = rtt;
            _rttVariance = rtt / 2;
            _hasSample = true;
        }
        else
        {
            // RTTVAR ← ¾·RTTVAR + ¼·|SRTT − R|, SRTT ← ⅞·SRTT + ⅛·R (RFC 6298 §2.3).
            _rttVariance = ((3 * _rttVariance) + Math.Abs(_smoothedRtt - rtt)) / 4;
            _smoothedRtt = ((7 * _smoothedRtt) + rtt) / 8;
        }

        BaseRto = Math.Clamp(_smoothedRtt + Math.Max(ClockGranularity, 4 * _rttVariance), MinRto, MaxRto);
        _backoffShift = 0;
    }

    public void BackOff() => _backoffShift++;

    public void ResetBackoff() => _backoffShift = 0;
}
