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
    /// <param name="listener">The listener whose cookie this was.</param>
    /// <param name="iss">Our ISN (the cookie).</param>
    /// <param name="peerIsn">The peer's ISN.</param>
    /// <param name="peerMss">MSS recovered from the cookie.</param>
    /// <param name="cookieOptions">Options recovered from the echoed timestamp, if the peer uses timestamps.</param>
    /// <param name="now">Current time.</param>
    internal void OpenFromCookie(TcpListener listener, SeqNumber iss, uint peerIsn, int peerMss, in CookieOptions? cookieOptions, long now)
    {
        _listener = listener;
        listener.HalfOpenCount++; // released when the ACK completes the open, as for a stateful handshake
        InitializeSendSpace(iss, now);
        InitializeReceiveSpace(peerIsn);
        _peerMss = peerMss;
        if (cookieOptions is { } recovered)
        {
            _timestampsEnabled = true;
            _tsRecent = recovered.PeerTimestamp;
            _tsRecentTime = now;
            _sackEnabled = recovered.SackPermitted;
            _windowScaleAgreed = recovered.PeerWindowScale >= 0;
            _sndWndShift = Math.Max(recovered.PeerWindowScale, 0);
        }

        if (!_windowScaleAgreed)
        {
            _rcvWndShift = 0;
            _sndWndShift = 0;
        }

        _sendMss = Math.Min(_peerMss, _localMss) - (_timestampsEnabled ? 12 : 0);
        _sndUna = iss.Add(1);
        _sndUnaOffset = 0;
        _sndNxt = _sndMax = _sndUna;
        _recoveryPoint = iss;
        _rcvAdvertisedEdge = Math.Min(_rcvCreditEnd, 65535);
        _congestion.Initialize(_sendMss);
        _lastReceiveTime = now;
    }

    /// <summary>Per-connection timestamp offset (RFC 7323 §7.1: do not leak a global clock), derived from the ISN.</summary>
    internal static uint TimestampOffsetFor(SeqNumber iss) => iss.Value ^ 0x9E3779B9;

    /// <summary>The window-scale shift this stack offers for <paramref name="settings"/>.</summary>
    internal static int ReceiveWindowShiftFor(TcpSettings settings)
    {
        var shift = 0;
        while (shift < 14 && (65535L << shift) < settings.MaxReceiveWindow)
        {
            shift++;
        }

        return shift;
    }

    private void InitializeSendSpace(SeqNumber iss, long now)
    {
        _iss = iss;
        _sndUna = iss;
        _sndNxt = iss;
        _sndMax = iss;
        _sndUnaOffset = -1;
        _tsOffset = TimestampOffsetFor(iss);
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
        _sndWnd = (long)segment.Window << _sndWndShift;
        _maxSndWnd = _sndWnd;
        _sndWl1 = new SeqNumber(segment.SequenceNumber);
        _sndWl2 = new SeqNumber(segment.AcknowledgmentNumber);
        SetState(TcpState.SynReceived);
        _sndUna = _iss;
        _sndUnaOffset = -1;
        HandleSegment(segment, options, now);
    }
}

/// <summary>Connection options a SYN cookie carried in the low bits of our SYN-ACK's timestamp.</summary>
/// <param name="PeerWindowScale">The peer's window scale, or -1 if it offered none.</param>
/// <param name="SackPermitted">Both sides allow SACK.</param>
/// <param name="PeerTimestamp">TSval of the completing ACK.</param>
internal readonly record struct CookieOptions(int PeerWindowScale, bool SackPermitted, uint PeerTimestamp);
