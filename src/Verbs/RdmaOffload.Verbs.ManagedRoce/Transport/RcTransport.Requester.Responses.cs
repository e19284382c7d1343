using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Transport;

// Requester, response side: ACK/NAK/RNR handling, READ response reassembly, in-order completion.
internal sealed partial class RcTransport
{
    private void HandleResponse(in RocePacket packet, long now)
    {
        var psn = packet.Header.Psn;
        if (packet.Header.DestinationQueuePair != QueuePairNumber || !HasUnacknowledgedWork
            || Psn.Distance(_unackedPsn, psn) < 0 || Psn.Distance(psn, _sentLimitPsn) <= 0)
        {
            Counters.ResponsesStale++;
            Counters.ResponsesDropped++;
            return;
        }

        if ((packet.Traits & OpcodeTraits.Read) != 0)
        {
            HandleReadResponse(packet, now);
            return;
        }

        var aeth = packet.Aeth;
        switch (aeth.Kind)
        {
            case AckKind.Ack:
                AcknowledgeThrough(psn, now);
                break;
            case AckKind.ReceiverNotReady:
                Counters.RnrNaksReceived++;
                AcknowledgeThrough(psn - 1, now);
                if (State != QueuePairState.ReadyToSend || !HasUnacknowledgedWork)
                {
                    break;
                }

                if (_rnrRetryLimit != 7 && _rnrRetriesLeft-- <= 0)
                {
                    FailHead(WorkCompletionStatus.RnrRetryExceededError);
                    break;
                }

                GoBackTo(psn, now);
                _rnrResumeAt = Math.Max(now + AckExtendedTransportHeader.RnrTimerMicroseconds(aeth.Value), now + 1);
                break;
            case AckKind.Nak when aeth.Value == (byte)NakCode.PsnSequenceError:
                AcknowledgeThrough(psn - 1, now);
                if (State == QueuePairState.ReadyToSend && HasUnacknowledgedWork && !_nakRetransmitArmed)
                {
                    // Retransmit once per NAK episode; later NAKs for the same hole are echoes.
                    _nakRetransmitArmed = true;
                    Counters.NakRetransmits++;
                    HalveLossWindow();
                    GoBackTo(psn, now);
                }

                break;
            case AckKind.Nak:
                AcknowledgeThrough(psn - 1, now);
                if (State == QueuePairState.ReadyToSend && HasUnacknowledgedWork)
                {
                    FailHead((NakCode)aeth.Value switch
                    {
                        NakCode.InvalidRequest => WorkCompletionStatus.RemoteInvalidRequestError,
                        NakCode.RemoteAccessError => WorkCompletionStatus.RemoteAccessError,
                        _ => WorkCompletionStatus.RemoteOperationError,
                    });
                }

                break;
            default:
                Counters.ResponsesMisfit++;
                Counters.ResponsesDropped++;
                break;
        }
    }

    private void HandleReadResponse(in RocePacket packet, long now)
    {
        var psn = packet.Header.Psn;

        // Responses arrive in PSN order, so a READ response implicitly acknowledges everything before it.
        AcknowledgeBefore(psn, now);
        if (State != QueuePairState.ReadyToSend || !HasUnacknowledgedWork)
        {
            return;
        }

        var wqe = _sendQueue[_sqHead % _sendQueue.Length];
        if (!wqe.IsRead || wqe.ReadComplete || Psn.Distance(wqe.FirstPsn, psn) < 0 || Psn.Distance(psn, wqe.LastPsn) < 0)
        {
            Counters.ResponsesMisfit++;
            Counters.ResponsesDropped++;
            return;
        }

        int distance = Psn.Distance(wqe.ExpectedResponsePsn, psn);
        if (distance < 0)
        {
            Counters.ResponsesDuplicate++;
            Counters.ResponsesDropped++;
            return;
        }

        int index = Psn.Distance(wqe.FirstPsn, psn);
        long offset = (long)index * _mtu;
        int expectedLength = (int)Math.Min(_mtu, wqe.Length - offset);

        // Chunked and re-requested READs restart FIRST..LAST at any index, so the payload length, not
        // the opcode position, is what must match.
        if (packet.Payload.Length != expectedLength)
        {
            Counters.ResponsesMisfit++;
            Counters.ResponsesDropped++;
            return;
        }

        if (distance > 0)
        {
            // An earlier response was lost or is late: ask again for the rest, once per gap. This one's bytes
            // have a fixed place (the PSN gives the offset), so they are kept, and the replay need not bring them.
            if (distance < ResponsesAhead.Capacity && wqe.Ahead.TryMark(distance))
            {
                if (!Scatter(wqe.Entries.AsSpan(0, wqe.EntryCount), offset, packet.Payload))
                {
                    FailHead(WorkCompletionStatus.LocalProtectionError);
                    return;
                }

                Counters.ResponsesOutOfOrder++;
            }
            else
            {
                // Already kept (a replay brought it again) or too far ahead for the map.
                if (distance < ResponsesAhead.Capacity)
                {
                    Counters.ResponsesDuplicate++;
                }
                else
                {
                    Counters.ResponsesMisfit++;
                }

                Counters.ResponsesDropped++;
            }

            if (MayReRequestGap(wqe, now))
            {
                ReRequestReadGap(wqe, now);
            }

            return;
        }

        if (!Scatter(wqe.Entries.AsSpan(0, wqe.EntryCount), offset, packet.Payload))
        {
            FailHead(WorkCompletionStatus.LocalProtectionError);
            return;
        }

        // This one and those that overtook it and were kept are done.
        int advanced = 1 + wqe.Ahead.AdvancePastExpected();
        wqe.GapReRequestedAt = long.MinValue;
        wqe.ExpectedResponsePsn = psn + advanced;
        _unackedPsn = wqe.ExpectedResponsePsn;
        NoteProgress(now, advanced);
        if (Psn.Distance(wqe.ExpectedResponsePsn, wqe.LastPsn) < 0)
        {
            wqe.ReadComplete = true;
            _readsIssued--;
            CompleteHeadEntries(now);
        }
        else if (wqe.Ahead.Count > 0)
        {
            // Caught up to a hole that later responses already passed: ask for it now rather than at the next arrival.
            ReRequestReadGap(wqe, now);
        }
    }

    /// <summary>An ACK for <paramref name="psn"/>: every request packet up to it arrived.</summary>
    private void AcknowledgeThrough(Psn psn, long now)
    {
        if (Psn.Distance(_unackedPsn, psn + 1) <= 0)
        {
            return;
        }

        // A READ not fully answered before an ACK past it means its responses were lost. (Scan to the
        // tail: a go-back may have moved the transmit cursor before entries the ACK covers.)
        for (long i = _sqHead; i < _sqTail; i++)
        {
            var wqe = _sendQueue[i % _sendQueue.Length];
            if (Psn.Distance(psn, wqe.FirstPsn) > 0)
            {
                break;
            }

            if (wqe.IsRead && !wqe.ReadComplete)
            {
                _unackedPsn = wqe.ExpectedResponsePsn;
                CompleteHeadEntries(now);
                if (MayReRequestGap(wqe, now))
                {
                    ReRequestReadGap(wqe, now);
                }

                return;
            }
        }

        int advanced = Psn.Distance(_unackedPsn, psn + 1);
        _unackedPsn = psn + 1;
        _nakRetransmitArmed = false;
        NoteProgress(now, advanced);
        CompleteHeadEntries(now);
    }

    /// <summary>
    /// Once per gap — and again if the gap outlives an eighth of the ACK timeout, when the replay's own response was
    /// lost too rather than late (later responses keep arriving, so the timer would be the only other way out).
    /// </summary>
    private bool MayReRequestGap(SendQueueEntry wqe, long now) =>
        wqe.GapReRequestedAt == long.MinValue || now - wqe.GapReRequestedAt >= Math.Max(_ackTimeoutMicroseconds / 8, 1);

    /// <summary>A READ response is missing (a later one, or an ACK past the READ, arrived): ask again from it, once per gap.</summary>
    private void ReRequestReadGap(SendQueueEntry wqe, long now)
    {
        wqe.GapReRequestedAt = now;
        Counters.ReadGapReRequests++;
        HalveLossWindow();
        _pendingReadReRequest = wqe.ExpectedResponsePsn;
        _retransmitDeadline = now + _ackTimeoutMicroseconds;
    }

    private void AcknowledgeBefore(Psn psn, long now)
    {
        if (Psn.Distance(_unackedPsn, psn) > 0)
        {
            AcknowledgeThrough(psn - 1, now);
        }
    }

    private void NoteProgress(long now, int packets)
    {
        _lossWindow = (int)Math.Min((long)_lossWindow + packets, _options.MaxPacketsInFlight);
        // Progress ends a NAK episode whatever brought it — an ACK or a READ response — so the next PSN-sequence NAK
        // (a request lost or overtaken later) is acted on, not taken for an echo of the last one.
        _nakRetransmitArmed = false;
        _retriesLeft = _retryLimit;
        _rnrRetriesLeft = _rnrRetryLimit;
        _retransmitDeadline = now + _ackTimeoutMicroseconds;
    }

    /// <summary>Completes, in order, every head entry that is fully acknowledged.</summary>
    private void CompleteHeadEntries(long now)
    {
        while (_sqHead < _sqTransmit)
        {
            var wqe = _sendQueue[_sqHead % _sendQueue.Length];
            bool done = wqe.IsRead ? wqe.ReadComplete : Psn.Distance(wqe.LastPsn, _unackedPsn) > 0;
            if (!done)
            {
                break;
            }

            _sqHead++;
            CompleteSend(wqe, WorkCompletionStatus.Success);
        }

        // Disarmed only when nothing is owed: after a go-back the cursor may sit inside the head request, which
        // still waits for responses (or ACKs) that only the timer can recover if they are lost.
        if (!HasUnacknowledgedWork)
        {
            _retransmitDeadline = long.MaxValue;
        }
        else
        {
            _retransmitDeadline = Math.Min(_retransmitDeadline, now + _ackTimeoutMicroseconds);
        }

        CompleteLocallyFailedHead();
    }

    /// <summary>A request that failed its local checks completes with that error once it is at the head.</summary>
    private void CompleteLocallyFailedHead()
    {
        if (State == QueuePairState.ReadyToSend && _sqHead < _sqTail && _sqHead == _sqTransmit)
        {
            var wqe = _sendQueue[_sqHead % _sendQueue.Length];
            if (wqe.LocalError != WorkCompletionStatus.Success)
            {
                FailHead(wqe.LocalError);
            }
        }
    }
}
