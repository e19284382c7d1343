using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tcp;

public sealed partial class TcpConnection
{
    /// <summary>The earliest time this connection needs <see cref="OnTimer"/>, or <see cref="long.MaxValue"/>.</summary>
    internal long NextDeadline
    {
        get
        {
            var keepAlive = KeepAliveEnabled && State is TcpState.Established or TcpState.CloseWait
                ? _lastReceiveTime + _settings.KeepAliveIdle + (_keepAliveProbesSent * _settings.KeepAliveInterval)
                : TimerOff;
            _keepAliveDeadline = keepAlive;
            return Math.Min(Math.Min(Math.Min(_retransmitDeadline, _delayedAckDeadline), Math.Min(_persistDeadline, keepAlive)),
                Math.Min(_timeWaitDeadline, _finWait2Deadline));
        }
    }

    /// <summary>Scheduled wake-up the stack's timer queue holds for this connection (see <see cref="NetworkStack"/>).</summary>
    internal long ScheduledWakeup { get; set; } = TimerOff;

    /// <summary>Runs expired timers.</summary>
    internal void OnTimer(long now)
    {
        if (_timeWaitDeadline <= now)
        {
            _timeWaitDeadline = TimerOff;
            EnterClosed(TcpCloseReason.Graceful, notify: false);
            return;
        }

        if (_finWait2Deadline <= now)
        {
            _finWait2Deadline = TimerOff;
            if (State == TcpState.FinWait2)
            {
                EnterClosed(TcpCloseReason.TimedOut, notify: true);
                return;
            }
        }

        if (_retransmitDeadline <= now)
        {
            _retransmitDeadline = TimerOff;
            OnRetransmissionTimeout(now);
            if (State == TcpState.Closed)
            {
                return;
            }
        }

        if (_delayedAckDeadline <= now)
        {
            _delayedAckDeadline = TimerOff;
            _ackNow = true;
            _stack.MarkForOutput(this);
        }

        if (_persistDeadline <= now)
        {
            _persistDeadline = TimerOff;
            if (_sendAvailableEnd > OffsetOfSeq(_sndNxt) && _sndWnd > _sndNxt.DistanceFrom(_sndUna))
            {
                _overrideSwsOnce = true; // a small window has been open long enough: use it (SWS override timeout)
                _stack.MarkForOutput(this);
            }
            else if (_sndWnd == 0 && _sendAvailableEnd > OffsetOfSeq(_sndNxt))
            {
                SendProbe(now);
                _persistBackoff++;
                _persistDeadline = now + Math.Min(_rtt.CurrentRto << Math.Min(_persistBackoff, 10), _settings.MaxRto);
            }
        }

        if (_keepAliveDeadline <= now && KeepAliveEnabled && State is TcpState.Established or TcpState.CloseWait)
        {
            if (_keepAliveProbesSent >= _settings.KeepAliveProbes)
            {
                SendReset(AcceptableResetSequence());
                EnterClosed(TcpCloseReason.TimedOut, notify: true);
                return;
            }

            SendProbe(now);
            _keepAliveProbesSent++;
        }
    }

    private void OnRetransmissionTimeout(long now)
    {
        RetransmissionTimeouts++;
        _consecutiveTimeouts++;
        if (State is TcpState.SynSent or TcpState.SynReceived)
        {
            if (_consecutiveTimeouts > _settings.MaxSynRetransmissions)
            {
                if (_listener is not null && State == TcpState.SynReceived)
                {
                    _listener.HalfOpenCount--;
                    _listener = null;
                }

                EnterClosed(TcpCloseReason.TimedOut, notify: State == TcpState.SynSent);
                return;
            }

            _rtt.BackOff();
            RetransmittedSegments++;
            SendSyn(now, withAck: State == TcpState.SynReceived);
            ArmRetransmit(now);
            return;
        }

        if (!_sndMax.IsAfter(_sndUna))
        {
            return;
        }

        if (_consecutiveTimeouts > _settings.MaxRetransmissions)
        {
            SendReset(AcceptableResetSequence());
            EnterClosed(TcpCloseReason.TimedOut, notify: true);
            return;
        }

        // RFC 6298 §5.5–5.7 and RFC 5681 §3.1: back off, collapse cwnd, resend from SND.UNA (go-back-N).
        _congestion.OnRetransmissionTimeout(_sndMax.DistanceFrom(_sndUna));
        _rtt.BackOff();
        _sndNxt = _sndUna;
        _inRecovery = false;
        _recoveryPoint = _sndMax;
        _duplicateAcks = 0;
        _retransmitUnaPending = false;
        _retransmitNextOffset = _sndUnaOffset;
        _scoreboard.Clear();
        _timingRtt = false;
        _stack.MarkForOutput(this);
        ArmRetransmit(now, restart: true);
    }

    private void ArmRetransmit(long now, bool restart = false)
    {
        if (restart || _retransmitDeadline == TimerOff)
        {
            _retransmitDeadline = now + _rtt.CurrentRto;
            _persistDeadline = TimerOff;
        }
    }

    private void DisarmRetransmit() => _retransmitDeadline = TimerOff;

    private void EnterTimeWait(long now)
    {
        SetState(TcpState.TimeWait);
        DisarmRetransmit();
        _persistDeadline = TimerOff;
        _finWait2Deadline = TimerOff;
        _delayedAckDeadline = TimerOff;
        _timeWaitDeadline = now + _settings.TimeWaitDuration;
        _ackNow = true;
        _stack.MarkForOutput(this);
        NotifyClosed(TcpCloseReason.Graceful);
    }

    /// <summary>
    /// RFC 6191 / RFC 9293 §3.6.1: a SYN for a connection in TIME-WAIT may open a new incarnation if its sequence
    /// number is beyond the old connection's (or, with timestamps, its TSval is newer).
    /// </summary>
    internal bool AcceptsNewSynInTimeWait(in TcpSegment segment, in TcpOptions options)
    {
        if ((segment.Flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst | TcpFlags.Fin)) != TcpFlags.Syn)
        {
            return false;
        }

        return _timestampsEnabled && options.HasTimestamps
            ? (int)(options.TimestampValue - _tsRecent) > 0
            : new SeqNumber(segment.SequenceNumber).IsAfter(_rcvNxt);
    }

    /// <summary>Drops a TIME-WAIT connection so a new incarnation can take its tuple; always true.</summary>
    internal bool ReleaseFromTimeWait()
    {
        EnterClosed(TcpCloseReason.Graceful, notify: false);
        return true;
    }

    private void EnterClosed(TcpCloseReason reason, bool notify)
    {
        if (State == TcpState.Closed)
        {
            return;
        }

        if (_listener is not null && State == TcpState.SynReceived)
        {
            _listener.HalfOpenCount--;
        }

        SetState(TcpState.Closed);
        _retransmitDeadline = _delayedAckDeadline = _persistDeadline = _timeWaitDeadline = _finWait2Deadline = TimerOff;
        _reassembly.Release();
        _stack.Remove(this);
        if (notify)
        {
            NotifyClosed(reason);
        }
    }

    private bool _closeNotified;

    private void NotifyClosed(TcpCloseReason reason)
    {
        if (_closeNotified)
        {
            return;
        }

        _closeNotified = true;
        _handler?.OnClosed(this, reason);
    }
}
