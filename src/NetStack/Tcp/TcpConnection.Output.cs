using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tcp;

public sealed partial class TcpConnection
{
    /// <summary>Most segments one output pass sends, so one busy connection cannot starve the others.</summary>
    private const int MaxSegmentsPerOutput = 64;

    /// <summary>Sends whatever the state, windows and timers allow. Returns true if more remains to send.</summary>
    internal bool Output(long now)
    {
        if (State is TcpState.SynSent or TcpState.SynReceived)
        {
            if (_synPending)
            {
                SendSyn(now, withAck: State == TcpState.SynReceived); // the first attempt waited for ARP
            }
            else if (State == TcpState.SynReceived && _ackNow)
            {
                SendAck(now); // e.g. the peer's SYN-ACK in a simultaneous open (RFC 9293 §3.5, figure 7)
            }

            return false;
        }

        if (State == TcpState.Closed)
        {
            return false;
        }

        if (State != TcpState.TimeWait)
        {
            MaybeOpenReceiveWindow();
        }

        var sent = 0;
        if (State is not (TcpState.TimeWait or TcpState.FinWait2 or TcpState.Closing) || _sndMax.IsAfter(_sndUna))
        {
            sent = SendData(now);
        }

        if (sent == 0 && _ackNow)
        {
            SendAck(now);
        }

        if (State == TcpState.CloseWait && _closeRequested && FinSentOrAcked())
        {
            SetState(TcpState.LastAck);
        }

        return sent >= MaxSegmentsPerOutput;
    }

    private int SendData(long now)
    {
        var sent = 0;
        while (sent < MaxSegmentsPerOutput)
        {
            if (_inRecovery && TrySendRecoveryRetransmission(now))
            {
                sent++;
                continue;
            }

            var nextOffset = OffsetOfSeq(_sndNxt);
            var unsent = Math.Max(_sendAvailableEnd - nextOffset, 0);
            var outstanding = Math.Max(_sndNxt.DistanceFrom(_sndUna), 0);
            var flight = _inRecovery && _sackEnabled ? Pipe() : outstanding;

            // The congestion window bounds what is in the network; the peer's window bounds what lies beyond SND.UNA.
            var usable = Math.Min(_congestion.CongestionWindow - flight, _sndWnd - outstanding);
            var length = (int)Math.Max(Math.Min(Math.Min(_stack.MaxSegmentPayload(_sendMss), unsent), usable), 0);
            var finPending = _closeRequested && State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck
                && nextOffset + length == _sendAvailableEnd && _sndNxt.IsBeforeOrEqual(FinSeq);
            if (length == 0 && !(finPending && unsent == 0))
            {
                ArmPersistIfNeeded(now, unsent, flight);
                break;
            }

            if (length < _sendMss && length < unsent && !_overrideSwsOnce)
            {
                // Window-limited runt: wait unless nothing is in flight (sender SWS avoidance, RFC 9293 §3.8.6.2.1);
                // the persist timer doubles as the override timeout that eventually sends it anyway.
                if (flight > 0 || length < Math.Min(_sendMss, _maxSndWnd / 2))
                {
                    ArmPersistIfNeeded(now, unsent, flight);
                    break;
                }
            }
            else if (length < _sendMss && length > 0 && NagleEnabled && flight > 0 && !finPending)
            {
                break; // Nagle: hold the runt until the outstanding data is acknowledged
            }

            _overrideSwsOnce = false;

            var flags = TcpFlags.Ack;
            if (finPending)
            {
                flags |= TcpFlags.Fin;
            }

            if (length > 0 && nextOffset + length == _sendAvailableEnd)
            {
                flags |= TcpFlags.Psh;
            }

            var isNewData = _sndNxt == _sndMax;
            if (!_stack.TransmitSegment(this, _sndNxt, _rcvNxt, flags, CurrentWindowField(), BuildOptions(now), nextOffset, length))
            {
                break;
            }

            OnSegmentSent();
            if (!isNewData)
            {
                RetransmittedSegments++;
            }
            else if (!_timingRtt && !_timestampsEnabled && length > 0)
            {
                _timingRtt = true;
                _timedSeq = _sndNxt;
                _timedAt = now;
            }

            _sndNxt = _sndNxt.Add(length + (finPending ? 1 : 0));
            _sndMax = SeqNumber.Max(_sndMax, _sndNxt);
            if (finPending && State == TcpState.Established)
            {
                SetState(TcpState.FinWait1);
            }
            else if (finPending && State == TcpState.CloseWait)
            {
                SetState(TcpState.LastAck);
            }

            ArmRetransmit(now);
            sent++;
            if (finPending)
            {
                break;
            }
        }

        return sent;
    }

    /// <summary>RFC 6675 pipe: bytes believed in the network (outstanding minus SACKed minus presumed lost and not yet resent).</summary>
    private long Pipe()
    {
        var maxOffset = OffsetOfSeq(_sndMax);
        var highSacked = _scoreboard.Count == 0 ? _sndUnaOffset : _scoreboard.HighestEnd;
        var lostNotResent = _scoreboard.UncoveredBytes(Math.Max(_retransmitNextOffset, _sndUnaOffset), highSacked);
        return Math.Max(maxOffset - _sndUnaOffset - _scoreboard.TotalLength - lostNotResent, 0);
    }

    private bool TrySendRecoveryRetransmission(long now)
    {
        long start;
        long end;
        if (_sackEnabled)
        {
            if (Pipe() >= _congestion.CongestionWindow && !_retransmitUnaPending)
            {
                return false;
            }

            var limit = Math.Max(_scoreboard.Count == 0 ? _sndUnaOffset + 1 : _scoreboard.HighestEnd, _sndUnaOffset + 1);
            if (!_scoreboard.TryFindGap(Math.Max(_retransmitNextOffset, _sndUnaOffset), limit, out start, out end))
            {
                _retransmitUnaPending = false;
                return false;
            }
        }
        else
        {
            if (!_retransmitUnaPending)
            {
                return false;
            }

            start = _sndUnaOffset;
            end = OffsetOfSeq(_sndMax);
        }

        _retransmitUnaPending = false;
        end = Math.Min(Math.Min(end, start + _sendMss), Math.Max(_sendAvailableEnd, start));
        var length = (int)Math.Max(end - start, 0);
        var seq = SeqOfOffset(start);
        var fin = _closeRequested && start + length == _sendAvailableEnd && SeqOfOffset(_sendAvailableEnd).IsBefore(_sndMax);
        if (length == 0 && !fin)
        {
            return false;
        }

        var flags = TcpFlags.Ack | (fin ? TcpFlags.Fin : TcpFlags.None);
        if (!_stack.TransmitSegment(this, seq, _rcvNxt, flags, CurrentWindowField(), BuildOptions(now), start, length))
        {
            return false;
        }

        OnSegmentSent();
        RetransmittedSegments++;
        _retransmitNextOffset = start + Math.Max(length, 1);
        ArmRetransmit(now);
        return true;
    }

    private void SendAck(long now)
    {
        if (_stack.TransmitSegment(this, _sndNxt, _rcvNxt, TcpFlags.Ack, CurrentWindowField(), BuildOptions(now), 0, 0))
        {
            OnSegmentSent();
        }
    }

    /// <summary>Keepalive and zero-window probes: SND.UNA − 1 is an old sequence number, so the peer must answer with an ACK.</summary>
    private void SendProbe(long now)
    {
        _stack.TransmitSegment(this, _sndUna.Add(-1), _rcvNxt, TcpFlags.Ack, CurrentWindowField(), BuildOptions(now), 0, 0);
        OnSegmentSent();
    }

    private void SendReset(SeqNumber seq) =>
        _stack.TransmitReset(FourTuple, seq, _rcvNxt, State == TcpState.SynSent ? TcpFlags.Rst : TcpFlags.Rst | TcpFlags.Ack);

    /// <summary>
    /// The sequence number for a RST we originate: SND.NXT while it lies within the peer's window, else the window's
    /// right edge. A peer that shrank its window (to zero, say) left bytes in flight beyond its edge; a RST at SND.NXT
    /// would then be out of its window and silently dropped (RFC 9293 §3.10.7.4; Linux's tcp_acceptable_seq).
    /// </summary>
    private SeqNumber AcceptableResetSequence()
    {
        var rightEdge = _sndUna.Add((int)Math.Min(_sndWnd, int.MaxValue));
        return _sndNxt.IsAfter(rightEdge) ? rightEdge : _sndNxt;
    }

    private void OnSegmentSent()
    {
        _ackNow = false;
        _segmentsSinceAck = 0;
        _delayedAckDeadline = TimerOff;
        _lastAckSent = _rcvNxt;
    }

    private bool FinSentOrAcked() => _closeRequested && _sndMax.IsAfter(FinSeq);

    private void ArmPersistIfNeeded(long now, long unsent, long flight)
    {
        if (unsent > 0 && flight == 0 && _retransmitDeadline == TimerOff && _persistDeadline == TimerOff)
        {
            _persistDeadline = now + Math.Min(_rtt.CurrentRto << Math.Min(_persistBackoff, 10), _settings.MaxRto);
        }
    }

    /// <summary>Receiver SWS avoidance (RFC 9293 §3.8.6.2.2): announce a window update once it grew enough to matter.</summary>
    private void MaybeOpenReceiveWindow()
    {
        var possibleEdge = _rcvNxtOffset + Math.Min(_rcvCreditEnd - _rcvNxtOffset, 65535L << _rcvWndShift);
        var growth = possibleEdge - Math.Max(_rcvAdvertisedEdge, _rcvNxtOffset);
        if (growth >= Math.Min(2L * _localMss, (65535L << _rcvWndShift) / 2) || (_rcvAdvertisedEdge <= _rcvNxtOffset && growth >= _localMss))
        {
            _ackNow = true;
        }
    }

    /// <summary>The window field for the next segment; records the advertised right edge, which never moves left.</summary>
    private ushort CurrentWindowField()
    {
        var available = Math.Max(Math.Min(_rcvCreditEnd - _rcvNxtOffset, 65535L << _rcvWndShift), 0);
        if (available < Math.Min(_localMss, (65535L << _rcvWndShift) / 2) && available < _rcvCreditEnd - _rcvNxtOffset)
        {
            available = 0;
        }

        var field = available >> _rcvWndShift;
        var edge = _rcvNxtOffset + (field << _rcvWndShift);

        // Never move the right edge left. With window scaling the old edge may not be representable, so round up to
        // the next scale unit — but anchor at the owner's credit, so rounding never accumulates past it (at most
        // one unit beyond; such bytes are dropped and retransmitted, see Deliver).
        var anchor = Math.Min(_rcvAdvertisedEdge, _rcvCreditEnd);
        if (edge < anchor)
        {
            field = (anchor - _rcvNxtOffset + (1L << _rcvWndShift) - 1) >> _rcvWndShift;
        }

        field = Math.Min(field, 65535);
        _rcvAdvertisedEdge = Math.Max(_rcvAdvertisedEdge, _rcvNxtOffset + (field << _rcvWndShift));
        return (ushort)field;
    }

    private TcpOptions BuildOptions(long now)
    {
        var options = TcpOptions.None;
        if (_timestampsEnabled)
        {
            options.HasTimestamps = true;
            options.TimestampValue = TimestampNow(now);
            options.TimestampEcho = _tsRecent;
        }

        if (_sackEnabled && !_reassembly.IsEmpty)
        {
            var ranges = _reassembly.Ranges;
            var limit = _timestampsEnabled ? 3 : 4;
            var first = _reassembly.LastChangedRange;
            if (first >= 0 && first < ranges.Count)
            {
                options.AddSackBlock(ToSackBlock(ranges.StartAt(first), ranges.EndAt(first)));
            }

            for (var i = ranges.Count - 1; i >= 0 && options.SackBlockCount < limit; i--)
            {
                if (i != first)
                {
                    options.AddSackBlock(ToSackBlock(ranges.StartAt(i), ranges.EndAt(i)));
                }
            }
        }

        return options;
    }

    private SackBlock ToSackBlock(long start, long end) => new(_irs.Add(1 + start).Value, _irs.Add(1 + end).Value);
}
