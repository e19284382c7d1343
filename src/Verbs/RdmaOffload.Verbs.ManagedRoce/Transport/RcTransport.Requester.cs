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

    private bool RequesterHasOutput => State == QueuePairState.ReadyToSend && _sqTransmit < _sqTail && _rnrResumeAt == 0 && CanTransmit(_sendQueue[_sqTransmit % _sendQueue.Length]);

    /// <summary>Something was sent and not yet acknowledged (possibly part of a partly sent request).</summary>
    private bool HasUnacknowledgedWork => _sqHead < _sqTail && (_sqHead < _sqTransmit || Psn.Distance(_unackedPsn, _sentLimitPsn) > 0);

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
        if (inFlight > 0 && inFlight + adding > _options.MaxPacketsInFlight)
        {
            return false;
        }

        if (wqe.IsRead && !wqe.ReadIssued && _readsIssued >= _maxReadsOutstanding)
        {
            return false;
        }

        return !wqe.Fenced || _readsIssued == 0 || (wqe.IsRead && wqe.ReadIssued);
    }

    private void RunRequesterTimers(long now)
    {
        if (_rnrResumeAt != 0 && now >= _rnrResumeAt)
        {
            _rnrResumeAt = 0;
            _retransmitDeadline = now + _ackTimeoutMicroseconds;
        }

        if (_rnrResumeAt == 0 && HasUnacknowledgedWork && now >= _retransmitDeadline)
        {
            Counters.Timeouts++;
            if (_retriesLeft-- <= 0)
            {
                FailHead(WorkCompletionStatus.RetryExceededError);
                return;
            }

            GoBackTo(OldestOutstandingPsn(), now);
        }

        CompleteLocallyFailedHead();
    }

    private void EmitRequests(long now, IPacketTransmitter transmitter, int budget)
    {
        while (budget > 0 && _rnrResumeAt == 0 && _sqTransmit < _sqTail)
        {
            var wqe = _sendQueue[_sqTransmit % _sendQueue.Length];
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

    /// <summary>Emits the packet at <see cref="_transmitPsn"/> of <paramref name="wqe"/> and advances the PSN.</summary>
    private bool EmitRequestPacket(SendQueueEntry wqe, IPacketTransmitter transmitter)
    {
        int index = Psn.Distance(wqe.FirstPsn, _transmitPsn);
        long offset = (long)index * _mtu;
        if (wqe.IsRead)
        {
            // A large READ goes out as several requests of at most ReadRequestPackets responses each, so
            // the in-flight window paces the responses too; a retry asks only for the rest of its chunk.
            int chunk = ReadChunkPackets;
            int endIndex = Math.Min(wqe.PacketCount, ((index / chunk) + 1) * chunk);
            long endOffset = Math.Min(wqe.Length, (long)endIndex * _mtu);
            var reth = new RdmaExtendedTransportHeader(wqe.RemoteAddress + (ulong)offset, wqe.RemoteKey, (uint)(endOffset - offset));
            int length = RocePacketWriter.PacketLength(RoceOpcode.RdmaReadRequest, 0);
            RocePacketWriter.Write(transmitter.GetBuffer(length), Header(RoceOpcode.RdmaReadRequest, _transmitPsn, ackRequest: true), 0, reth);
            transmitter.Transmit(length);
            Counters.PacketsSent++;
            if (!wqe.ReadIssued)
            {
                wqe.ReadIssued = true;
                _readsIssued++;
            }

            if (index == 0 || Psn.Distance(wqe.ExpectedResponsePsn, _transmitPsn) < 0)
            {
                // Asked again from an earlier PSN: what was kept ahead is numbered from a PSN that moved.
                wqe.ExpectedResponsePsn = _transmitPsn;
                wqe.Ahead.Clear();
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
                return;
            }
        }
    }

    /// <summary>The head request fails: complete it with <paramref name="status"/> and move the QP to ERROR.</summary>
    private void FailHead(WorkCompletionStatus status)
    {
        if (_sqHead < _sqTail)
        {
            var wqe = _sendQueue[_sqHead % _sendQueue.Length];
            _sqHead++;
            CompleteSend(wqe, status);
        }

        ModifyToError();
    }
}
