using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tcp;

public sealed partial class TcpConnection
{
    /// <summary>Active open: sends SYN.</summary>
    internal void OpenActive(SeqNumber iss, ITcpConnectionHandler handler, long now)
    {
        _handler = handler;
        InitializeSendSpace(iss, now);
        SetState(TcpState.SynSent);
        _recoveryPoint = iss;
        SendSyn(now, withAck: false);
        ArmRetransmit(now);
    }

    /// <summary>Passive open from a listener's SYN: sends SYN-ACK and enters SYN-RECEIVED.</summary>
    internal void OpenPassive(TcpListener listener, SeqNumber iss, uint peerIsn, ushort peerWindow, in TcpOptions options, long now)
    {
        _listener = listener;
        listener.HalfOpenCount++;
        InitializeSendSpace(iss, now);
        InitializeReceiveSpace(peerIsn);
        NegotiateOptions(options, now);
        _sndWnd = peerWindow; // windows in SYNs are never scaled
        _maxSndWnd = peerWindow;
        _recoveryPoint = iss;
        SetState(TcpState.SynReceived);
        SendSyn(now, withAck: true);
        ArmRetransmit(now);
    }

    /// <summary>Completion of a SYN-cookie handshake: the connection starts ESTABLISHED with only MSS negotiated.</summary>
    internal void OpenFromCookie(TcpListener listener, SeqNumber iss, uint peerIsn, int peerMss, long now)
    {
        _listener = listener;
        listener.HalfOpenCount++; // released when the ACK completes the open, as for a stateful handshake
        InitializeSendSpace(iss, now);
        InitializeReceiveSpace(peerIsn);
        _peerMss = peerMss;
        _rcvWndShift = 0;
        _sndWndShift = 0;
        _sendMss = Math.Min(_peerMss, _localMss);
        _sndUna = iss.Add(1);
        _sndUnaOffset = 0;
        _sndNxt = _sndMax = _sndUna;
        _recoveryPoint = iss;
        _rcvAdvertisedEdge = Math.Min(_rcvCreditEnd, 65535);
        _congestion.Initialize(_sendMss);
        _lastReceiveTime = now;
    }

    private void InitializeSendSpace(SeqNumber iss, long now)
    {
        _iss = iss;
        _sndUna = iss;
        _sndNxt = iss;
        _sndMax = iss;
        _sndUnaOffset = -1;
        _tsOffset = iss.Value ^ 0x9E3779B9; // per-connection timestamp offset, not a clock leak
        _lastReceiveTime = now;
    }

    private void InitializeReceiveSpace(uint peerIsn)
    {
        _irs = new SeqNumber(peerIsn);
        _rcvNxt = _irs.Add(1);
        _lastAckSent = _rcvNxt;
    }

    private void NegotiateOptions(in TcpOptions options, long now)
    {
        _peerMss = options.MaximumSegmentSize != 0 ? options.MaximumSegmentSize : 536;
        _windowScaleAgreed = _settings.WindowScaling && options.WindowScale >= 0;
        if (_windowScaleAgreed)
        {
            _sndWndShift = options.WindowScale;
        }
        else
        {
            _sndWndShift = 0;
            _rcvWndShift = 0;
        }

        _timestampsEnabled = _settings.Timestamps && options.HasTimestamps;
        if (_timestampsEnabled)
        {
            _tsRecent = options.TimestampValue;
            _tsRecentTime = now;
        }

        _sackEnabled = _settings.SelectiveAcknowledgments && options.SackPermitted;
        _sendMss = Math.Max(Math.Min(_peerMss, _localMss) - (_timestampsEnabled ? 12 : 0), 64);
    }

    private void SendSyn(long now, bool withAck)
    {
        var options = TcpOptions.None;
        options.MaximumSegmentSize = (ushort)Math.Min(_localMss, ushort.MaxValue);
        var offerScale = withAck ? _windowScaleAgreed : _settings.WindowScaling;
        if (offerScale)
        {
            options.WindowScale = _rcvWndShift;
        }

        if (withAck ? _timestampsEnabled : _settings.Timestamps)
        {
            options.HasTimestamps = true;
            options.TimestampValue = TimestampNow(now);
            options.TimestampEcho = withAck ? _tsRecent : 0;
        }

        options.SackPermitted = withAck ? _sackEnabled : _settings.SelectiveAcknowledgments;
        var flags = withAck ? TcpFlags.Syn | TcpFlags.Ack : TcpFlags.Syn;
        var window = (ushort)Math.Min(_rcvCreditEnd, 65535);
        _synPending = !_stack.TransmitSegment(this, _iss, withAck ? _rcvNxt : default, flags, window, options, 0, 0);
        _sndNxt = _iss.Add(1);
        _sndMax = SeqNumber.Max(_sndMax, _sndNxt);
        if (withAck)
        {
            _lastAckSent = _rcvNxt;
            _rcvAdvertisedEdge = window;
        }
    }

    /// <summary>Finishes a cookie handshake: the ACK that carried the cookie is processed as in ESTABLISHED.</summary>
    internal void EnterEstablishedFromCookie(in TcpSegment segment, in TcpOptions options, long now)
    {
        _sndWnd = segment.Window;
        _maxSndWnd = _sndWnd;
        _sndWl1 = new SeqNumber(segment.SequenceNumber);
        _sndWl2 = new SeqNumber(segment.AcknowledgmentNumber);
        SetState(TcpState.SynReceived);
        _sndUna = _iss;
        _sndUnaOffset = -1;
        HandleSegment(segment, options, now);
    }
}
