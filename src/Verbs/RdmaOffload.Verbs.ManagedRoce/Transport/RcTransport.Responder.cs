using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Transport;

internal sealed partial class RcTransport
{
    private const int MaxPendingReadResponses = 128;

    /// <summary>A READ being answered: responses go out in PSN order from the responder's queue.</summary>
    private struct ReadResponseJob
    {
        public Psn NextPsn;
        public ulong NextAddress;
        public uint RemoteKey;
        public uint Remaining;
        public bool First;
        public bool Only;
    }

    private enum MessageInProgress
    {
        None,
        Send,
        Write,
    }

    private readonly ReadResponseJob[] _readJobs = new ReadResponseJob[MaxPendingReadResponses];
    private int _readJobHead;
    private int _readJobCount;

    private Psn _expectedPsn;
    private uint _msn;
    private bool _ackPending;
    private bool _sequenceNakSent;
    private (bool Pending, AckExtendedTransportHeader Aeth, Psn Psn) _nak;

    private bool _fatalAfterNak;
    private MessageInProgress _inProgress;
    private long _messageOffset;          // bytes of the current SEND/WRITE already placed
    private ulong _writeAddress;          // WRITE: where the next payload byte goes
    private uint _writeRemaining;         // WRITE: bytes the RETH announced still to come
    private uint _writeLength;            // WRITE: total announced length (for WRITE with immediate)
    private uint _writeKey;

    private bool ResponderHasOutput => _readJobCount > 0 || _ackPending || _nak.Pending;

    private void ResetResponderProgress()
    {
        _readJobCount = 0;
        _readJobHead = 0;
        _ackPending = false;
        _sequenceNakSent = false;
        _nak = default;
        _fatalAfterNak = false;
        _inProgress = MessageInProgress.None;
        _messageOffset = 0;
    }

    private void HandleRequest(in RocePacket packet)
    {
        if (_fatalAfterNak)
        {
            // A fatal NAK is on its way and the QP is about to enter ERROR: nothing more is accepted.
            Counters.DroppedInState++;
            return;
        }

        var psn = packet.Header.Psn;
        int distance = Psn.Distance(_expectedPsn, psn);
        if (distance < 0)
        {
            Counters.DuplicateRequests++;
            if (packet.Opcode == RoceOpcode.RdmaReadRequest)
            {
                // The requester lost (part of) a response and asks again from this PSN: answer again (rights are
                // re-checked), unless a queued answer will still send it.
                QueueReadReplay(packet);
            }
            else
            {
                _ackPending = true;
            }

            return;
        }

        if (distance > 0)
        {
            Counters.OutOfSequenceRequests++;
            if (!_sequenceNakSent)
            {
                _sequenceNakSent = true;
                Counters.SequenceNaksSent++;
                QueueNak(AckExtendedTransportHeader.Nak(_msn, NakCode.PsnSequenceError), _expectedPsn);
            }

            return;
        }

        var traits = packet.Traits;
        bool starts = (traits & OpcodeTraits.Start) != 0;
        var kind = (traits & OpcodeTraits.Send) != 0 ? MessageInProgress.Send : (traits & OpcodeTraits.Write) != 0 ? MessageInProgress.Write : MessageInProgress.None;
        bool sequenceValid = starts ? _inProgress == MessageInProgress.None : _inProgress == kind;
        if (!sequenceValid)
        {
            RespondWithError(NakCode.InvalidRequest);
            return;
        }

        bool handled = packet.Opcode == RoceOpcode.RdmaReadRequest
            ? HandleReadRequest(packet)
            : kind == MessageInProgress.Send ? HandleSendPacket(packet) : HandleWritePacket(packet);
        if (!handled)
        {
            return;
        }

        _sequenceNakSent = false;
        if (packet.Header.AckRequest || (traits & OpcodeTraits.End) != 0)
        {
            _ackPending = true;
        }
    }

    private bool HandleSendPacket(in RocePacket packet)
    {
        var traits = packet.Traits;
        bool starts = (traits & OpcodeTraits.Start) != 0;
        bool ends = (traits & OpcodeTraits.End) != 0;
        if ((!ends && packet.Payload.Length != _mtu) || packet.Payload.Length > _mtu)
        {
            RespondWithError(NakCode.InvalidRequest);
            return false;
        }

        if (starts && _rqHead == _rqTail)
        {
            SendReceiverNotReady(packet.Header.Psn);
            return false;
        }

        var recv = _receiveQueue[_rqHead % _receiveQueue.Length];
        if (starts)
        {
            _messageOffset = 0;
            _inProgress = MessageInProgress.Send;
        }

        if (recv.LocalProtectionError || _messageOffset + packet.Payload.Length > recv.Length
            || !Scatter(recv.Entries.AsSpan(0, recv.EntryCount), _messageOffset, packet.Payload))
        {
            var status = recv.LocalProtectionError ? WorkCompletionStatus.LocalProtectionError : WorkCompletionStatus.LocalLengthError;
            _rqHead++;
            CompleteReceive(recv, status, WorkCompletionOpcode.Receive, 0, false, 0);
            RespondWithError(status == WorkCompletionStatus.LocalLengthError ? NakCode.InvalidRequest : NakCode.RemoteOperationalError);
            return false;
        }

        _messageOffset += packet.Payload.Length;
        _expectedPsn += 1;
        if (ends)
        {
            _inProgress = MessageInProgress.None;
            _msn = (_msn + 1) & Psn.Mask;
            _rqHead++;
            bool immediate = (traits & OpcodeTraits.HasImmediate) != 0;
            CompleteReceive(recv, WorkCompletionStatus.Success, WorkCompletionOpcode.Receive, (uint)_messageOffset, immediate, packet.Immediate);
        }

        return true;
    }

    private bool HandleWritePacket(in RocePacket packet)
    {
        var traits = packet.Traits;
        bool starts = (traits & OpcodeTraits.Start) != 0;
        bool ends = (traits & OpcodeTraits.End) != 0;
        bool immediate = (traits & OpcodeTraits.HasImmediate) != 0;
        if ((!ends && packet.Payload.Length != _mtu) || packet.Payload.Length > _mtu)
        {
            RespondWithError(NakCode.InvalidRequest);
            return false;
        }

        if (starts)
        {
            var reth = packet.Reth;
            if ((_remoteAccess & MemoryAccess.RemoteWrite) == 0
                || (reth.DmaLength > 0 && !_memory.TryGetRemote(reth.RemoteKey, reth.VirtualAddress, reth.DmaLength, MemoryAccess.RemoteWrite, out _)))
            {
                RespondWithError(NakCode.RemoteAccessError);
                return false;
            }

            _writeAddress = reth.VirtualAddress;
            _writeRemaining = reth.DmaLength;
            _writeLength = reth.DmaLength;
            _writeKey = reth.RemoteKey;
        }

        int length = packet.Payload.Length;
        if (length > _writeRemaining || (ends && length != _writeRemaining))
        {
            RespondWithError(NakCode.InvalidRequest);
            return false;
        }

        if (immediate && _rqHead == _rqTail)
        {
            SendReceiverNotReady(packet.Header.Psn);
            return false;
        }

        if (length > 0)
        {
            if (!_memory.TryGetRemote(_writeKey, _writeAddress, (ulong)length, MemoryAccess.RemoteWrite, out var region))
            {
                RespondWithError(NakCode.RemoteAccessError);
                return false;
            }

            packet.Payload.CopyTo(region.GetSpan(_writeAddress, length));
        }

        _writeAddress += (ulong)length;
        _writeRemaining -= (uint)length;
        _inProgress = ends ? MessageInProgress.None : MessageInProgress.Write;
        _expectedPsn += 1;
        if (ends)
        {
            _msn = (_msn + 1) & Psn.Mask;
            if (immediate)
            {
                var recv = _receiveQueue[_rqHead % _receiveQueue.Length];
                _rqHead++;
                CompleteReceive(recv, WorkCompletionStatus.Success, WorkCompletionOpcode.ReceiveRdmaWithImmediate, _writeLength, true, packet.Immediate);
            }
        }

        return true;
    }

    private bool HandleReadRequest(in RocePacket packet)
    {
        if (!QueueReadResponse(packet))
        {
            return false;
        }

        _expectedPsn += PacketsFor(packet.Reth.DmaLength);
        _msn = (_msn + 1) & Psn.Mask;
        return true;
    }

    private bool QueueReadResponse(in RocePacket packet)
    {
        var reth = packet.Reth;
        if ((_remoteAccess & MemoryAccess.RemoteRead) == 0
            || reth.DmaLength > MaxMessageLength
            || (reth.DmaLength > 0 && !_memory.TryGetRemote(reth.RemoteKey, reth.VirtualAddress, reth.DmaLength, MemoryAccess.RemoteRead, out _)))
        {
            RespondWithError(NakCode.RemoteAccessError);
            return false;
        }

        if (_readJobCount == _readJobs.Length)
        {
            // More READs than we advertised as responder resources: drop; the requester retries.
            Counters.ResponsesDropped++;
            return false;
        }

        _readJobs[(_readJobHead + _readJobCount) % _readJobs.Length] = new ReadResponseJob
        {
            NextPsn = packet.Header.Psn,
            NextAddress = reth.VirtualAddress,
            RemoteKey = reth.RemoteKey,
            Remaining = reth.DmaLength,
            First = true,
            Only = reth.DmaLength <= (uint)_mtu,
        };
        _readJobCount++;

        return true;
    }

    private void SendReceiverNotReady(Psn psn)
    {
        Counters.RnrNaksSent++;

        // Later packets of this message are dropped silently until the requester comes back here.
        _sequenceNakSent = true;
        QueueNak(AckExtendedTransportHeader.ReceiverNotReady(_msn, _minRnrTimer), psn);
    }

    /// <summary>A fatal request error: NAK it and move the QP to ERROR (the NAK still goes out first).</summary>
    private void RespondWithError(NakCode code)
    {
        Counters.ErrorNaksSent++;
        QueueNak(AckExtendedTransportHeader.Nak(_msn, code), _expectedPsn);
        _fatalAfterNak = true;
    }

    private void QueueNak(AckExtendedTransportHeader aeth, Psn psn) => _nak = (true, aeth, psn);

    private void CompleteReceive(ReceiveQueueEntry recv, WorkCompletionStatus status, WorkCompletionOpcode opcode, uint length, bool hasImmediate, uint immediate) =>
        Complete(_receiveCompletions, new WorkCompletion
        {
            WorkRequestId = recv.WorkRequestId,
            Status = status,
            Opcode = opcode,
            ByteLength = length,
            HasImmediate = hasImmediate,
            ImmediateData = immediate,
            QueuePairNumber = QueuePairNumber,
        });
}
