using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tcp;

public sealed partial class TcpConnection
{
    /// <summary>Processes one segment addressed to this connection (RFC 9293 §3.10.7).</summary>
    internal void HandleSegment(in TcpSegment segment, in TcpOptions options, long now)
    {
        _lastReceiveTime = now;
        _keepAliveProbesSent = 0;
        switch (State)
        {
            case TcpState.Closed:
                return;
            case TcpState.SynSent:
                HandleInSynSent(segment, options, now);
                return;
            default:
                HandleSynchronized(segment, options, now);
                return;
        }
    }

    private void HandleInSynSent(in TcpSegment segment, in TcpOptions options, long now)
    {
        var flags = segment.Flags;
        var ack = new SeqNumber(segment.AcknowledgmentNumber);
        var ackAcceptable = (flags & TcpFlags.Ack) != 0 && ack.IsAfter(_iss) && ack.IsBeforeOrEqual(_sndNxt);
        if ((flags & TcpFlags.Ack) != 0 && !ackAcceptable)
        {
            if ((flags & TcpFlags.Rst) == 0)
            {
                _stack.TransmitReset(FourTuple, ack, default, TcpFlags.Rst);
            }

            return;
        }

        if ((flags & TcpFlags.Rst) != 0)
        {
            if (ackAcceptable)
            {
                EnterClosed(TcpCloseReason.Refused, notify: true);
            }

            return;
        }

        if ((flags & TcpFlags.Syn) == 0)
        {
            return;
        }

        InitializeReceiveSpace(segment.SequenceNumber);
        NegotiateOptions(options, now);
        if (!_windowScaleAgreed)
        {
            _rcvWndShift = 0;
        }

        if (ackAcceptable)
        {
            _sndUna = ack;
            _sndUnaOffset = 0;
            _sndWnd = (long)segment.Window << _sndWndShift;
            _sndWl1 = new SeqNumber(segment.SequenceNumber);
            _sndWl2 = ack;
            _maxSndWnd = _sndWnd;
            TakeRttSampleFromSyn(options, now);
            _congestion.Initialize(_sendMss);
            _rcvAdvertisedEdge = Math.Min(_rcvCreditEnd, 65535);
            SetState(TcpState.Established);
            DisarmRetransmit();
            _ackNow = true;
            _handler?.OnConnected(this);
            _stack.MarkForOutput(this);
            return;
        }

        // Simultaneous open (RFC 9293 §3.5, figure 7): answer with SYN-ACK from SYN-RECEIVED.
        _sndWnd = segment.Window;
        SetState(TcpState.SynReceived);
        SendSyn(now, withAck: true);
    }

    private void HandleSynchronized(in TcpSegment segment, in TcpOptions options, long now)
    {
        var flags = segment.Flags;
        var seq = new SeqNumber(segment.SequenceNumber);
        var payloadLength = segment.Payload.Length;
        var segmentLength = segment.SequenceLength;

        // PAWS (RFC 7323 §5): a timestamp older than TS.Recent marks an old duplicate.
        if (_timestampsEnabled && options.HasTimestamps && (flags & TcpFlags.Rst) == 0
            && (int)(options.TimestampValue - _tsRecent) < 0 && now - _tsRecentTime < 24L * 24 * 3600 * 1_000_000)
        {
            _ackNow = true;
            _stack.MarkForOutput(this);
            return;
        }

        if (State == TcpState.SynReceived && (flags & TcpFlags.Syn) != 0 && (flags & TcpFlags.Ack) == 0 && seq == _irs)
        {
            SendSyn(now, withAck: true); // the peer did not get our SYN-ACK
            return;
        }

        // Segment acceptability (RFC 9293 §3.10.7.4, first check).
        var receiveWindow = (uint)Math.Max(_rcvAdvertisedEdge - _rcvNxtOffset, 0);
        var acceptable = segmentLength == 0
            ? (receiveWindow == 0 ? seq == _rcvNxt : seq.InWindow(_rcvNxt, receiveWindow))
            : receiveWindow != 0 && (seq.InWindow(_rcvNxt, receiveWindow) || seq.Add(segmentLength - 1).InWindow(_rcvNxt, receiveWindow));
        var zeroWindowAllowance = !acceptable && receiveWindow == 0 && seq == _rcvNxt;
        if (!acceptable && !zeroWindowAllowance)
        {
            if ((flags & TcpFlags.Rst) == 0)
            {
                if (State == TcpState.TimeWait && (flags & TcpFlags.Fin) != 0)
                {
                    _timeWaitDeadline = now + _settings.TimeWaitDuration; // retransmitted FIN: re-ACK, restart 2·MSL
                }

                _ackNow = true;
                _stack.MarkForOutput(this);
            }

            return;
        }

        // RST (RFC 5961 §3.2): only an exact match resets; anything else in the window draws a challenge ACK.
        if ((flags & TcpFlags.Rst) != 0)
        {
            if (seq == _rcvNxt)
            {
                var passiveHandshake = State == TcpState.SynReceived && _listener is not null;
                EnterClosed(TcpCloseReason.ResetByPeer, notify: !passiveHandshake);
            }
            else
            {
                SendChallengeAck(now);
            }

            return;
        }

        // SYN in a synchronized state (RFC 5961 §4): challenge ACK, never reset.
        if ((flags & TcpFlags.Syn) != 0)
        {
            SendChallengeAck(now);
            return;
        }

        if ((flags & TcpFlags.Ack) == 0)
        {
            return;
        }

        var ack = new SeqNumber(segment.AcknowledgmentNumber);
        if (State == TcpState.SynReceived)
        {
            if (!ack.IsAfter(_sndUna) || !ack.IsBeforeOrEqual(_sndMax))
            {
                _stack.TransmitReset(FourTuple, ack, default, TcpFlags.Rst);
                return;
            }

            if (!CompletePassiveOpen(now))
            {
                return;
            }
        }

        // ACK acceptability (RFC 5961 §5.2).
        if (ack.IsAfter(_sndMax))
        {
            _ackNow = true;
            _stack.MarkForOutput(this);
            return;
        }

        if (ack.IsBefore(_sndUna.Add(-Math.Max(_maxSndWnd, 1))))
        {
            SendChallengeAck(now);
            return;
        }

        if (_timestampsEnabled && options.HasTimestamps && seq.IsBeforeOrEqual(_lastAckSent))
        {
            _tsRecent = options.TimestampValue;
            _tsRecentTime = now;
        }

        ProcessAck(segment, options, seq, ack, now);
        if (State == TcpState.Closed)
        {
            return;
        }

        if (State == TcpState.TimeWait)
        {
            if ((flags & TcpFlags.Fin) != 0)
            {
                _ackNow = true;
                _timeWaitDeadline = now + _settings.TimeWaitDuration;
                _stack.MarkForOutput(this);
            }

            return;
        }

        if (payloadLength > 0 && !zeroWindowAllowance && State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
        {
            ProcessPayload(seq, segment.Payload, now);
        }
        else if (payloadLength > 0)
        {
            _ackNow = true;
        }

        if ((flags & TcpFlags.Fin) != 0)
        {
            ProcessFin(seq.Add(payloadLength), now);
        }

        if (_ackNow || _segmentsSinceAck > 0)
        {
            _stack.MarkForOutput(this);
        }
    }

    private bool CompletePassiveOpen(long now)
    {
        if (_listener is not null)
        {
            _listener.HalfOpenCount--;
        }

        _sndUna = _iss.Add(1);
        _sndUnaOffset = 0;
        _congestion.Initialize(_sendMss);
        SetState(TcpState.Established);
        DisarmRetransmit();
        _consecutiveTimeouts = 0;
        if (_listener is not null && _handler is null)
        {
            _listener.AcceptedCount++;
            var handler = _listener.AcceptHandler.OnConnectionEstablished(this);
            if (handler is null)
            {
                Abort();
                return false;
            }

            _handler = handler;
        }

        _handler?.OnConnected(this);
        return State != TcpState.Closed;
    }

    private void ProcessPayload(SeqNumber seq, ReadOnlySpan<byte> payload, long now)
    {
        // Trim what was already received and what lies beyond the advertised window.
        var skip = _rcvNxt.DistanceFrom(seq);
        long offset;
        if (skip > 0)
        {
            payload = payload[Math.Min(skip, payload.Length)..];
            offset = _rcvNxtOffset;
        }
        else
        {
            offset = _rcvNxtOffset - skip;
        }

        var edge = Math.Max(_rcvAdvertisedEdge, _rcvNxtOffset);
        if (offset + payload.Length > edge)
        {
            payload = payload[..(int)Math.Max(edge - offset, 0)];
        }

        if (payload.IsEmpty)
        {
            _ackNow = true;
            return;
        }

        if (offset != _rcvNxtOffset)
        {
            // Out of order: keep it (within the window) and acknowledge at once so the sender sees the gap.
            _reassembly.Store(_rcvNxtOffset, offset, payload);
            _ackNow = true;
            return;
        }

        var hadGaps = !_reassembly.IsEmpty;
        Deliver(payload);
        if (hadGaps)
        {
            _reassembly.Discard(_rcvNxtOffset);
            _reassembly.DeliverContiguous(_rcvNxtOffset, _rcvCreditEnd, this, static (data, self) => self.Deliver(data));
            _ackNow = true; // a segment that fills a hole is acknowledged immediately (RFC 5681 §4.2)
        }

        _segmentsSinceAck++;
        if (_segmentsSinceAck >= 2 || _settings.DelayedAckTimeout == 0)
        {
            _ackNow = true;
        }
        else if (_delayedAckDeadline == TimerOff)
        {
            _delayedAckDeadline = now + _settings.DelayedAckTimeout;
        }
    }

    private void Deliver(ReadOnlySpan<byte> data)
    {
        // Never hand the owner more than it granted; bytes past the credit are dropped and will be retransmitted.
        var allowed = (int)Math.Min(data.Length, Math.Max(_rcvCreditEnd - _rcvNxtOffset, 0));
        if (allowed == 0)
        {
            return;
        }

        _rcvNxt = _rcvNxt.Add(allowed);
        _rcvNxtOffset += allowed;
        _handler?.OnDataReceived(this, data[..allowed]);
    }

    private void ProcessFin(SeqNumber finSeq, long now)
    {
        if (finSeq != _rcvNxt || _finReceived)
        {
            _ackNow = true; // out-of-order FIN: acknowledge what we have; the peer retransmits it
            return;
        }

        _finReceived = true;
        _rcvNxt = _rcvNxt.Add(1);
        _ackNow = true;
        switch (State)
        {
            case TcpState.SynReceived:
            case TcpState.Established:
                SetState(TcpState.CloseWait);
                _handler?.OnReceiveClosed(this);
                break;
            case TcpState.FinWait1:
                _handler?.OnReceiveClosed(this);
                if (FinAcknowledged)
                {
                    EnterTimeWait(now);
                }
                else
                {
                    SetState(TcpState.Closing); // simultaneous close
                }

                break;
            case TcpState.FinWait2:
                _handler?.OnReceiveClosed(this);
                EnterTimeWait(now);
                break;
            default:
                break;
        }
    }

    private void SendChallengeAck(long now)
    {
        if (_stack.TryTakeChallengeAckToken(now))
        {
            _ackNow = true;
            _stack.MarkForOutput(this);
        }
    }

    private void TakeRttSampleFromSyn(in TcpOptions options, long now)
    {
        if (_timestampsEnabled && options.TimestampEcho != 0)
        {
            _rtt.AddSample((long)unchecked(TimestampNow(now) - options.TimestampEcho) * 1000);
        }
    }
}
