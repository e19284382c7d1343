using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tcp;

public sealed partial class TcpConnection
{
    private void ProcessAck(in TcpSegment segment, in TcpOptions options, SeqNumber seq, SeqNumber ack, long now)
    {
        // Send window update (RFC 9293 §3.10.7.4, fifth check): only from segments newer than the last update.
        var window = (long)segment.Window << _sndWndShift;
        var windowChanged = false;
        if (_sndWl1.IsBefore(seq) || (_sndWl1 == seq && _sndWl2.IsBeforeOrEqual(ack)))
        {
            windowChanged = window != _sndWnd;
            if (window > _sndWnd)
            {
                _stack.MarkForOutput(this);
            }

            _sndWnd = window;
            _sndWl1 = seq;
            _sndWl2 = ack;
            _maxSndWnd = Math.Max(_maxSndWnd, window);
            if (window > 0)
            {
                _persistDeadline = TimerOff;
                _persistBackoff = 0;
            }
        }

        var newSackInfo = _sackEnabled && options.SackBlockCount > 0 && UpdateScoreboard(options);

        if (ack.IsAfter(_sndUna))
        {
            OnNewAck(ack, options, now);
        }
        else if (ack == _sndUna && segment.Payload.IsEmpty && (segment.Flags & (TcpFlags.Syn | TcpFlags.Fin)) == 0
            && _sndMax.IsAfter(_sndUna) && (!windowChanged || newSackInfo))
        {
            OnDuplicateAck(now, newSackInfo);
        }
    }

    private void OnNewAck(SeqNumber ack, in TcpOptions options, long now)
    {
        // Bytes of stream data acknowledged (a FIN's sequence number is not data).
        var ackOffset = OffsetOfSeq(ack);
        var dataAckedTo = Math.Min(ackOffset, _sendAvailableEnd);
        var dataAcked = Math.Max(dataAckedTo - Math.Max(_sndUnaOffset, 0), 0);
        var flightBefore = _sndMax.DistanceFrom(_sndUna);

        // RTT sample: timestamps when negotiated (valid even for retransmissions), else Karn's timed segment.
        if (_timestampsEnabled && options.HasTimestamps && options.TimestampEcho != 0)
        {
            _rtt.AddSample((long)unchecked(TimestampNow(now) - options.TimestampEcho) * 1000);
        }
        else if (_timingRtt && ack.IsAfter(_timedSeq))
        {
            _rtt.AddSample(now - _timedAt);
            _timingRtt = false;
        }

        _sndUna = ack;
        _sndUnaOffset = ackOffset;
        if (_sndNxt.IsBefore(ack))
        {
            _sndNxt = ack; // after a go-back-N rewind the peer may acknowledge beyond SND.NXT
        }

        _scoreboard.RemoveBelow(ackOffset);
        _retransmitNextOffset = Math.Max(_retransmitNextOffset, ackOffset);
        _consecutiveTimeouts = 0;
        _rtt.ResetBackoff();
        _duplicateAcks = 0;

        if (_inRecovery)
        {
            if (ack.IsAfterOrEqual(_recoveryPoint))
            {
                _inRecovery = false;
                _congestion.OnExitRecovery(_sndMax.DistanceFrom(_sndUna), now);
            }
            else
            {
                _congestion.OnPartialAck(dataAcked);
                if (!_sackEnabled)
                {
                    _retransmitUnaPending = true; // NewReno: the next hole starts at the new SND.UNA
                }
            }
        }
        else
        {
            _congestion.OnAcknowledged(dataAcked, flightBefore, now, _rtt.SmoothedRtt);
        }

        if (_sndMax.IsAfter(_sndUna))
        {
            ArmRetransmit(now, restart: true);
        }
        else
        {
            DisarmRetransmit();
        }

        _stack.MarkForOutput(this);
        if (dataAcked > 0)
        {
            _handler?.OnDataAcknowledged(this, dataAckedTo);
        }

        if (FinAcknowledged)
        {
            switch (State)
            {
                case TcpState.FinWait1:
                    SetState(TcpState.FinWait2);
                    _finWait2Deadline = now + _settings.FinWait2Timeout;
                    break;
                case TcpState.Closing:
                    EnterTimeWait(now);
                    break;
                case TcpState.LastAck:
                    EnterClosed(TcpCloseReason.Graceful, notify: true);
                    break;
                default:
                    break;
            }
        }
    }

    private void OnDuplicateAck(long now, bool newSackInfo)
    {
        _duplicateAcks++;
        if (_inRecovery)
        {
            if (!_sackEnabled)
            {
                _congestion.OnDuplicateAckInRecovery();
            }

            _stack.MarkForOutput(this);
            return;
        }

        // Enter recovery on three duplicates, or when SACK shows more than two segments' worth above SND.UNA
        // (RFC 6675 §5); not again for losses from before the last recovery (RFC 6582 §3.2 step 2).
        var sackSaysLost = _sackEnabled && newSackInfo && _scoreboard.TotalLength > 2L * _sendMss;
        if ((_duplicateAcks >= 3 || sackSaysLost) && _sndUna.IsAfterOrEqual(_recoveryPoint))
        {
            var flight = _sndMax.DistanceFrom(_sndUna);
            _inRecovery = true;
            FastRecoveries++;
            _recoveryPoint = _sndMax;
            _retransmitNextOffset = _sndUnaOffset;
            _congestion.OnEnterRecovery(flight, now);
            _retransmitUnaPending = true;
            _timingRtt = false;
            _stack.MarkForOutput(this);
        }
    }

    private bool UpdateScoreboard(in TcpOptions options)
    {
        var changed = false;
        for (var i = 0; i < options.SackBlockCount; i++)
        {
            var block = options.GetSackBlock(i);
            var left = new SeqNumber(block.Left);
            var right = new SeqNumber(block.Right);

            // Ignore blocks that are not strictly inside (SND.UNA, SND.MAX] (D-SACKs and garbage).
            if (!left.IsAfterOrEqual(_sndUna) || !right.IsAfter(left) || !right.IsBeforeOrEqual(_sndMax))
            {
                continue;
            }

            var start = OffsetOfSeq(left);
            var end = OffsetOfSeq(right);
            if (_scoreboard.UncoveredBytes(start, end) > 0)
            {
                _scoreboard.Add(start, end);
                changed = true;
            }
        }

        return changed;
    }
}
