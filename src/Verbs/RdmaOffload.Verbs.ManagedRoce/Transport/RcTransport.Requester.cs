using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Transport;

internal sealed partial class RcTransport
{
    private Psn _transmitPsn;   // next PSN to (re)transmit
    private Psn _unackedPsn;    // oldest PSN not yet acknowledged
    private Psn _sentLimitPsn;  // one past the highest PSN ever sent
    private int _readsIssued;
    private int _retriesLeft;
    private int _rnrRetriesLeft;
    private long _retransmitDeadline = long.MaxValue;
    private long _rnrResumeAt;
    private bool _nakRetransmitArmed;
    private Psn? _pendingReadReRequest;
    private int _lossWindow = int.MaxValue;

    private bool RequesterHasOutput => State == QueuePairState.ReadyToSend && _sqTransmit < _sqTail && _rnrResumeAt == 0 && CanTransmit(_sendQueue[_sqTransmit % _sendQueue.Length]);

    /// <summary>Something was sent and not yet acknowledged (possibly part of a partly sent request).</summary>
    private bool HasUnacknowledgedWork => _sqHead < _sqTail && (_sqHead < _sqTransmit || Psn.Distance(_unackedPsn, _sentLimitPsn) > 0);

    /// <summary>
    /// Request packets allowed in flight now: the configured window, cut after a loss and grown back with progress
    /// (halved on a NAK or a READ gap, to its floor after a timeout; plus one per packet acknowledged). A go-back-N
    /// resend of the whole window to a peer that is already swamped — rxe answers every duplicate — only deepens the
    /// backlog that caused the loss.
    /// </summary>
    private int InFlightLimit => Math.Min(_options.MaxPacketsInFlight, _lossWindow);

    /// <summary>
    /// The floor: two READ chunks (or four ACK intervals), so a lost response or request still has later ones behind
    /// it that reveal the gap (a READ gap, a NAK) long before the ACK timeout would.
    /// </summary>
    private int MinimumLossWindow => Math.Min(_options.MaxPacketsInFlight, Math.Max(2 * ReadChunkPackets, 4 * _options.AckRequestInterval));

    /// <summary>Responses one READ request asks for at most: never more than the window.</summary>
    private int ReadChunkPackets => Math.Min(_options.ReadRequestPackets, _options.MaxPacketsInFlight);

    private long NextRequesterDeadline()
    {
        if (State != QueuePairState.ReadyToSend)
        {
            return long.MaxValue;
        }

        return _rnrResumeAt != 0 ? _rnrResumeAt : (HasUnacknowledgedWork ? _retransmitDeadline : long.MaxValue);
    }

    private bool CanTransmit(SendQueueEntry wqe)
    {
        if (wqe.LocalError != WorkCompletionStatus.Success)
        {
            // Completes (with its error) only when everything before it has; never sent.
            return false;
        }

        // A READ request asks for a whole chunk of responses at once: it goes only when they all fit
        // in the window (or nothing is in flight), so the responses never outrun the receive buffer
        // the window was sized for.
        int inFlight = Psn.Distance(_unackedPsn, _transmitPsn);
        int adding = wqe.IsRead ? Math.Clamp(wqe.PacketCount - Psn.Distance(wqe.FirstPsn, _transmitPsn), 1, ReadChunkPackets) : 1;
        if (inFlight > 0 && inFlight + adding > InFlightLimit)
        {
            return false;
        }

        if (wqe.IsRead && !wqe.ReadIssued && _readsIssued >= _maxReadsOutstanding)
        {
            return false;
        }

        return !wqe.Fenced || _readsIssued == 0 || (wqe.IsRead && wqe.ReadIssued);
    }

    /// <summary>Timers; <paramref name="observed"/> (at most now) is the time up to which responses have been handed in.</summary>
    private void RunRequesterTimers(long now, long observed)
    {
        if (_rnrResumeAt != 0 && now >= _rnrResumeAt)
        {
            _rnrResumeAt = 0;
            _retransmitDeadline = now + _ackTimeoutMicroseconds;
        }

        if (_rnrResumeAt == 0 && HasUnacknowledgedWork && observed >= _retransmitDeadline)
        {
            Counters.Timeouts++;
            if (_retriesLeft-- <= 0)
            {
                FailHead(WorkCompletionStatus.RetryExceededError);
                return;
            }

            _lossWindow = MinimumLossWindow;
            GoBackTo(OldestOutstandingPsn(), now);
        }

        CompleteLocallyFailedHead();
    }

    private void EmitRequests(long now, IPacketTransmitter transmitter, int budget)
    {
        budget = EmitPendingReadReRequest(transmitter, budget);
        while (budget > 0 && _rnrResumeAt == 0 && _sqTransmit < _sqTail)
        {
            var wqe = _sendQueue[_sqTransmit % _sendQueue.Length];
            if (SkipAnsweredReadResponses(wqe, now))
            {
                continue;
            }

            if (!CanTransmit(wqe))
            {
                break;
            }

            if (!HasUnacknowledgedWork || _retransmitDeadline == long.MaxValue)
            {
                _retransmitDeadline = now + _ackTimeoutMicroseconds;
            }

            if (Psn.Distance(_transmitPsn, _sentLimitPsn) > 0)
            {
                Counters.Retransmissions++;
            }

            if (!EmitRequestPacket(wqe, transmitter))
            {
                wqe.LocalError = WorkCompletionStatus.LocalProtectionError;
                break;
            }

            budget--;
            if (Psn.Distance(_sentLimitPsn, _transmitPsn) > 0)
            {
                _sentLimitPsn = _transmitPsn;
            }

            if (Psn.Distance(_transmitPsn, wqe.FirstPsn + wqe.PacketCount) <= 0)
            {
                _sqTransmit++;
            }
        }
    }

    /// <summary>
    /// A go-back that lands inside a READ asks again only from its first missing response: the responses before it
    /// are placed, and asking for them again would cost a replay and, worse, look like a READ never answered — a READ
    /// whose responses all arrived is not re-requested at all, only passed (and completed when it is the head).
    /// Returns whether the transmit cursor moved past the request.
    /// </summary>
    private bool SkipAnsweredReadResponses(SendQueueEntry wqe, long now)
    {
        if (!wqe.IsRead || !wqe.ReadIssued || Psn.Distance(_transmitPsn, wqe.ExpectedResponsePsn) <= 0)
        {
            return false;
        }

        _transmitPsn = wqe.ExpectedResponsePsn;
        if (Psn.Distance(_transmitPsn, wqe.FirstPsn + wqe.PacketCount) > 0)
        {
            return false;
        }

        _sqTransmit++;
        CompleteHeadEntries(now);
        return true;
    }

    /// <summary>Emits the packet at <see cref="_transmitPsn"/> of <paramref name="wqe"/> and advances the PSN.</summary>
    private bool EmitRequestPacket(SendQueueEntry wqe, IPacketTransmitter transmitter)
    {
        int index = Psn.Distance(wqe.FirstPsn, _transmitPsn);
        long offset = (long)index * _mtu;
        if (wqe.IsRead)
        {
            // A large READ goes out as several requests of at most ReadRequestPackets responses each, so
            // the in-flight window paces the responses too; a retry asks only for the rest of its chunk.
            int endIndex = EmitReadRequest(wqe, _transmitPsn, transmitter);
            if (!wqe.ReadIssued)
            {
                wqe.ReadIssued = true;
                _readsIssued++;
            }

            _transmitPsn = wqe.FirstPsn + endIndex;
            return true;
        }

        int payloadLength = (int)Math.Min(_mtu, wqe.Length - offset);
        bool first = index == 0;
        bool last = index == wqe.PacketCount - 1;
        var opcode = RequestOpcode(wqe.Opcode, first, last);
        var traits = RoceOpcodes.Traits((byte)opcode);
        bool ackRequest = last || (index + 1) % _options.AckRequestInterval == 0;
        var header = Header(opcode, _transmitPsn, ackRequest, solicited: last && wqe.Solicited);
        int packetLength = RocePacketWriter.PacketLength(opcode, payloadLength);
        var reth2 = (traits & OpcodeTraits.HasReth) != 0 ? new RdmaExtendedTransportHeader(wqe.RemoteAddress, wqe.RemoteKey, wqe.Length) : default;
        var payload = RocePacketWriter.Write(transmitter.GetBuffer(packetLength), header, payloadLength, reth2, default, wqe.Immediate);
        if (!Gather(wqe, offset, payload))
        {
            return false;
        }

        transmitter.Transmit(packetLength);
        Counters.PacketsSent++;
        _transmitPsn += 1;
        return true;
    }

    /// <summary>Emits the READ request asking for the responses from <paramref name="psn"/> to the end of its chunk; returns that end's index.</summary>
    private int EmitReadRequest(SendQueueEntry wqe, Psn psn, IPacketTransmitter transmitter)
    {
        int index = Psn.Distance(wqe.FirstPsn, psn);
        long offset = (long)index * _mtu;
        int chunk = ReadChunkPackets;
        int endIndex = Math.Min(wqe.PacketCount, ((index / chunk) + 1) * chunk);
        long endOffset = Math.Min(wqe.Length, (long)endIndex * _mtu);
        var reth = new RdmaExtendedTransportHeader(wqe.RemoteAddress + (ulong)offset, wqe.RemoteKey, (uint)(endOffset - offset));
        int length = RocePacketWriter.PacketLength(RoceOpcode.RdmaReadRequest, 0);
        RocePacketWriter.Write(transmitter.GetBuffer(length), Header(RoceOpcode.RdmaReadRequest, psn, ackRequest: true), 0, reth);
        transmitter.Transmit(length);
        Counters.PacketsSent++;
        return endIndex;
    }

    /// <summary>
    /// A READ response is missing while later ones arrive: ask again for the rest of its chunk only. The later chunks'
    /// requests were answered or are being answered (their responses are kept as they come), so resending them too —
    /// go-back-N — would make the responder replay everything behind the gap, on a slow link a queue of replays that
    /// outgrows the ACK timeout. Whatever of theirs is really lost shows up as the next gap, or at worst the timer.
    /// </summary>
    private int EmitPendingReadReRequest(IPacketTransmitter transmitter, int budget)
    {
        if (_pendingReadReRequest is not { } psn || budget == 0)
        {
            return budget;
        }

        _pendingReadReRequest = null;
        for (long i = _sqHead; i <= _sqTransmit && i < _sqTail; i++)
        {
            var wqe = _sendQueue[i % _sendQueue.Length];
            int into = Psn.Distance(wqe.FirstPsn, psn);
            if (wqe.IsRead && into >= 0 && into < wqe.PacketCount)
            {
                // Only what went out before: a chunk the cursor has yet to send goes in the ordinary way.
                if (!wqe.ReadComplete && (i < _sqTransmit || Psn.Distance(psn, _transmitPsn) > 0))
                {
                    EmitReadRequest(wqe, psn, transmitter);
                    Counters.Retransmissions++;
                    return budget - 1;
                }

                break;
            }
        }

        return budget;
    }

    private static RoceOpcode RequestOpcode(SendOpcode opcode, bool first, bool last)
    {
        bool immediate = opcode is SendOpcode.SendWithImmediate or SendOpcode.RdmaWriteWithImmediate;
        if (opcode is SendOpcode.Send or SendOpcode.SendWithImmediate)
        {
            return (first, last) switch
            {
                (true, true) => immediate ? RoceOpcode.SendOnlyWithImmediate : RoceOpcode.SendOnly,
                (true, false) => RoceOpcode.SendFirst,
                (false, true) => immediate ? RoceOpcode.SendLastWithImmediate : RoceOpcode.SendLast,
                _ => RoceOpcode.SendMiddle,
            };
        }

        return (first, last) switch
        {
            (true, true) => immediate ? RoceOpcode.RdmaWriteOnlyWithImmediate : RoceOpcode.RdmaWriteOnly,
            (true, false) => RoceOpcode.RdmaWriteFirst,
            (false, true) => immediate ? RoceOpcode.RdmaWriteLastWithImmediate : RoceOpcode.RdmaWriteLast,
            _ => RoceOpcode.RdmaWriteMiddle,
        };
    }

    private Psn OldestOutstandingPsn()
    {
        var head = _sendQueue[_sqHead % _sendQueue.Length];
        return head.IsRead ? head.ExpectedResponsePsn : (Psn.Distance(head.FirstPsn, _unackedPsn) > 0 ? _unackedPsn : head.FirstPsn);
    }

    /// <summary>Go-back-N: resume transmission at <paramref name="psn"/>.</summary>
    private void GoBackTo(Psn psn, long now)
    {
        for (long i = _sqHead; i < _sqTransmit || (i == _sqTransmit && i < _sqTail); i++)
        {
            var wqe = _sendQueue[i % _sendQueue.Length];
            int into = Psn.Distance(wqe.FirstPsn, psn);
            if (into >= 0 && into < Math.Max(wqe.PacketCount, 1))
            {
                _sqTransmit = i;
                _transmitPsn = psn;
                _retransmitDeadline = now + _ackTimeoutMicroseconds;
                _pendingReadReRequest = null; // the go-back sends it anyway
                return;
            }
        }
    }

    /// <summary>The requester's position, for diagnostics.</summary>
    internal string DescribeRequester()
    {
        if (_sqHead == _sqTail)
        {
            return $"nothing outstanding; next PSN {_nextPostPsn}";
        }

        var wqe = _sendQueue[_sqHead % _sendQueue.Length];
        return $"head {wqe.Opcode} of {wqe.Length} B, PSN {wqe.FirstPsn}..{wqe.LastPsn}"
            + (wqe.IsRead ? $", next response {wqe.ExpectedResponsePsn} ({wqe.Ahead.Count} kept ahead{(wqe.ReadComplete ? ", complete" : string.Empty)})" : string.Empty)
            + $"; unacknowledged from {_unackedPsn}, transmitting {_transmitPsn} (entry {_sqTransmit - _sqHead} past the head), sent up to {_sentLimitPsn}, window {InFlightLimit}";
    }

    /// <summary>A NAK or a READ gap: something was lost, so send less until progress shows the path keeps up.</summary>
    private void HalveLossWindow() => _lossWindow = Math.Max(Math.Min(_lossWindow, _options.MaxPacketsInFlight) / 2, MinimumLossWindow);

    /// <summary>The head request fails: complete it with <paramref name="status"/> and move the QP to ERROR.</summary>
    private void FailHead(WorkCompletionStatus status)
    {
        if (_sqHead < _sqTail)
        {
            var wqe = _sendQueue[_sqHead % _sendQueue.Length];
            Counters.LastRequesterFailure = $"{status}: {DescribeRequester()}";
            _sqHead++;
            CompleteSend(wqe, status);
        }

        ModifyToError();
    }
}
