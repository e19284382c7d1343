using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tcp;

/// <summary>
/// One TCP connection (RFC 9293) inside a <see cref="NetworkStack"/>. Sans-IO: it changes state only when the stack
/// hands it a segment or a timer expires, and it emits segments through the stack. Not thread-safe: use it only on
/// the thread that drives the stack.
/// </summary>
/// <remarks>
/// Outgoing data is described, not copied: the owner declares how many stream bytes exist
/// (<see cref="AppendSendData"/>) and the stack pulls them with <see cref="ITcpConnectionHandler.CopySendData"/> only
/// when a segment is built, then reports acknowledgment with <see cref="ITcpConnectionHandler.OnDataAcknowledged"/>.
/// Incoming data flows only as far as the owner's receive credit (<see cref="GrantReceiveCredit"/>), which is what
/// the advertised window says, so a slow consumer slows the sender.
/// </remarks>
public sealed partial class TcpConnection
{
    private const long TimerOff = long.MaxValue;

    private readonly NetworkStack _stack;
    private readonly TcpSettings _settings;
    private readonly ICongestionControl _congestion;
    private readonly ReceiveReassembly _reassembly;
    private ITcpConnectionHandler? _handler;
    private TcpListener? _listener;

    // Send sequence space (RFC 9293 §3.3.1). Stream offset 0 is ISS+1; _sndUnaOffset tracks SND.UNA's offset.
    private SeqNumber _iss;
    private SeqNumber _sndUna;
    private SeqNumber _sndNxt;
    private SeqNumber _sndMax;
    private long _sndUnaOffset = -1;
    private long _sndWnd;
    private long _maxSndWnd;
    private SeqNumber _sndWl1;
    private SeqNumber _sndWl2;
    private int _sndWndShift;
    private int _peerMss = 536;
    private int _sendMss = 536;
    private long _sendAvailableEnd;
    private bool _closeRequested;
    private bool _synPending;

    // Receive sequence space.
    private SeqNumber _irs;
    private SeqNumber _rcvNxt;
    private long _rcvNxtOffset;
    private long _rcvCreditEnd;
    private long _rcvAdvertisedEdge;
    private int _rcvWndShift;
    private bool _windowScaleAgreed;
    private int _localMss;
    private bool _finReceived;

    // RFC 7323 timestamps and RFC 2018 SACK.
    private bool _timestampsEnabled;
    private uint _tsRecent;
    private long _tsRecentTime;
    private uint _tsOffset;
    private SeqNumber _lastAckSent;
    private bool _sackEnabled;
    private readonly RangeSet _scoreboard = new(16);

    // Loss recovery.
    private RttEstimator _rtt;
    private bool _timingRtt;
    private SeqNumber _timedSeq;
    private long _timedAt;
    private int _duplicateAcks;
    private bool _inRecovery;
    private SeqNumber _recoveryPoint;
    private long _retransmitNextOffset;
    private bool _retransmitUnaPending;
    private int _consecutiveTimeouts;

    // Acknowledgment generation.
    private bool _ackNow;
    private int _segmentsSinceAck;

    // Timers: absolute deadlines in microseconds, TimerOff when disarmed.
    private long _retransmitDeadline = TimerOff;
    private long _delayedAckDeadline = TimerOff;
    private long _persistDeadline = TimerOff;
    private int _persistBackoff;
    private bool _overrideSwsOnce;
    private long _keepAliveDeadline = TimerOff;
    private int _keepAliveProbesSent;
    private long _timeWaitDeadline = TimerOff;
    private long _finWait2Deadline = TimerOff;
    private long _lastReceiveTime;

    internal TcpConnection(NetworkStack stack, TcpFourTuple fourTuple, TcpSettings settings, int localMss)
    {
        _stack = stack;
        _settings = settings;
        FourTuple = fourTuple;
        _localMss = localMss;
        _congestion = settings.CongestionControl();
        _reassembly = new ReceiveReassembly(settings.MaxReceiveWindow);
        _rtt = new RttEstimator(settings.InitialRto, settings.MinRto, settings.MaxRto);
        _rcvCreditEnd = settings.InitialReceiveCredit;
        NagleEnabled = settings.NagleEnabled;
        KeepAliveEnabled = settings.KeepAlive;
        _rcvWndShift = ReceiveWindowShiftFor(settings);
    }

    /// <summary>Addresses and ports.</summary>
    public TcpFourTuple FourTuple { get; }

    /// <summary>Current state.</summary>
    public TcpState State { get; private set; } = TcpState.Closed;

    /// <summary>The owner, once the connection is accepted or opened.</summary>
    public ITcpConnectionHandler? Handler => _handler;

    /// <summary>Delay small segments while data is unacknowledged (Nagle, RFC 9293 §3.7.4).</summary>
    public bool NagleEnabled { get; set; }

    /// <summary>Probe idle connections (RFC 9293 §3.8.4).</summary>
    public bool KeepAliveEnabled { get; set; }

    /// <summary>Payload bytes per full segment.</summary>
    public int SendMaximumSegmentSize => _sendMss;

    /// <summary>Outgoing stream offset up to which the peer acknowledged.</summary>
    public long AcknowledgedOffset => Math.Clamp(_sndUnaOffset, 0, _sendAvailableEnd);

    /// <summary>Outgoing stream bytes declared by the owner so far.</summary>
    public long SendAvailableOffset => _sendAvailableEnd;

    /// <summary>Incoming stream bytes delivered to the owner so far.</summary>
    public long ReceivedOffset => _rcvNxtOffset;

    /// <summary>Incoming stream offset up to which the owner has granted credit.</summary>
    public long ReceiveCreditOffset => _rcvCreditEnd;

    /// <summary>Bytes sent and not yet acknowledged.</summary>
    public long BytesInFlight => State is TcpState.SynSent or TcpState.SynReceived or TcpState.Closed ? 0 : Math.Max(_sndNxt.DistanceFrom(_sndUna), 0);

    /// <summary>
    /// Declared-but-unsent bytes the windows would let go out now. An owner that fetches payload lazily (RDMA READ)
    /// can use <see cref="SendWindowRemaining"/> to prefetch just enough.
    /// </summary>
    public long SendWindowRemaining => Math.Max(Math.Min(_congestion.CongestionWindow, _sndWnd) - BytesInFlight, 0);

    /// <summary>Congestion window in bytes.</summary>
    public long CongestionWindow => _congestion.CongestionWindow;

    /// <summary>Peer's receive window in bytes (scaled).</summary>
    public long PeerWindow => _sndWnd;

    /// <summary>Smoothed RTT in microseconds (0 before the first sample).</summary>
    public long SmoothedRtt => _rtt.SmoothedRtt;

    /// <summary>Current retransmission timeout in microseconds.</summary>
    public long RetransmissionTimeout => _rtt.CurrentRto;

    /// <summary>Segments retransmitted (diagnostics).</summary>
    public long RetransmittedSegments { get; private set; }

    /// <summary>Fast retransmits/recoveries entered (diagnostics).</summary>
    public long FastRecoveries { get; private set; }

    /// <summary>Retransmission timeouts (diagnostics).</summary>
    public long RetransmissionTimeouts { get; private set; }

    /// <summary>True when timestamps were negotiated.</summary>
    public bool TimestampsEnabled => _timestampsEnabled;

    /// <summary>True when SACK was negotiated.</summary>
    public bool SackEnabled => _sackEnabled;

    /// <summary>Window scale shift the peer applies to our windows / we apply to the peer's.</summary>
    public (int Receive, int Send) WindowScale => (_rcvWndShift, _sndWndShift);

    /// <summary>Sets the owner of an actively opened connection, or replaces it.</summary>
    public void SetHandler(ITcpConnectionHandler handler) => _handler = handler ?? throw new ArgumentNullException(nameof(handler));

    /// <summary>
    /// Declares <paramref name="count"/> more outgoing bytes, readable through <see cref="ITcpConnectionHandler.CopySendData"/>
    /// from the current end of the stream. Segments go out on the next <see cref="NetworkStack.Poll"/>.
    /// </summary>
    public void AppendSendData(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_closeRequested)
        {
            throw new InvalidOperationException("The send side is already closed.");
        }

        if (State is TcpState.Closed or TcpState.TimeWait or TcpState.LastAck or TcpState.Closing)
        {
            throw new InvalidOperationException($"Cannot send in state {State}.");
        }

        _sendAvailableEnd += count;
        _stack.MarkForOutput(this);
    }

    /// <summary>Gives the peer room for <paramref name="count"/> more bytes (the owner consumed that much).</summary>
    public void GrantReceiveCredit(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _rcvCreditEnd += count;
        _stack.MarkForOutput(this);
    }

    /// <summary>Closes the send side: a FIN follows the declared data. Idempotent.</summary>
    public void CloseSend()
    {
        if (_closeRequested || State is TcpState.Closed or TcpState.TimeWait)
        {
            return;
        }

        _closeRequested = true;
        if (State == TcpState.SynSent)
        {
            EnterClosed(TcpCloseReason.Graceful, notify: true);
            return;
        }

        _stack.MarkForOutput(this);
    }

    /// <summary>Resets the connection (RST) and releases it at once. Idempotent.</summary>
    public void Abort()
    {
        if (State is TcpState.Closed)
        {
            return;
        }

        if (State is not (TcpState.SynSent or TcpState.TimeWait))
        {
            SendReset(AcceptableResetSequence());
        }

        EnterClosed(TcpCloseReason.Aborted, notify: true);
    }

    internal string DescribeWindows() =>
        $"{FourTuple} {State} rcvNxt={_rcvNxtOffset} credit={_rcvCreditEnd} adv={_rcvAdvertisedEdge} shift={_rcvWndShift} " +
        $"una={_sndUnaOffset} avail={_sendAvailableEnd} nxt={OffsetOfSeq(_sndNxt)} max={OffsetOfSeq(_sndMax)} sndWnd={_sndWnd} " +
        $"cwnd={_congestion.CongestionWindow} rec={_inRecovery} rto={_retransmitDeadline} persist={_persistDeadline} close={_closeRequested}";

    /// <inheritdoc/>
    public override string ToString() => $"{FourTuple} {State}";

    private SeqNumber SeqOfOffset(long offset) => _iss.Add(1 + offset);

    private long OffsetOfSeq(SeqNumber seq) => _sndUnaOffset + seq.DistanceFrom(_sndUna);

    private SeqNumber FinSeq => SeqOfOffset(_sendAvailableEnd);

    private bool FinAcknowledged => _closeRequested && _sndUna.IsAfter(FinSeq);

    private uint TimestampNow(long now) => unchecked((uint)(now / 1000) + _tsOffset);

    private void SetState(TcpState state) => State = state;
}
