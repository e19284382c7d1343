using RdmaOffload.Verbs.ManagedRoce.Memory;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Transport;

// Responder, output side: READ responses in PSN order, then one coalesced ACK or a NAK.
internal sealed partial class RcTransport
{
    /// <summary>READ responses first (they carry earlier PSNs), then one coalesced ACK or a NAK.</summary>
    private int EmitResponderOutput(IPacketTransmitter transmitter, int budget)
    {
        while (_readJobCount > 0 && budget > 0)
        {
            ref var job = ref _readJobs[_readJobHead];
            if (!EmitReadResponse(ref job, transmitter))
            {
                return budget;
            }

            budget--;
            if (job.Remaining == 0)
            {
                _readJobHead = (_readJobHead + 1) % _readJobs.Length;
                _readJobCount--;
            }
        }

        if (_readJobCount > 0 || budget == 0)
        {
            return budget;
        }

        if (_nak.Pending)
        {
            EmitPacket(transmitter, Header(RoceOpcode.Acknowledge, _nak.Psn), default, _nak.Aeth);
            _nak.Pending = false;
            _ackPending = false;
            budget--;
            if (_fatalAfterNak)
            {
                _fatalAfterNak = false;
                ModifyToError();
            }
        }
        else if (_ackPending)
        {
            EmitPacket(transmitter, Header(RoceOpcode.Acknowledge, _expectedPsn - 1), default, AckExtendedTransportHeader.Ack(_msn));
            _ackPending = false;
            budget--;
        }

        return budget;
    }

    private bool EmitReadResponse(ref ReadResponseJob job, IPacketTransmitter transmitter)
    {
        int length = (int)Math.Min(job.Remaining, (uint)_mtu);
        bool last = job.Remaining == (uint)length;
        var opcode = job.Only ? RoceOpcode.RdmaReadResponseOnly
            : job.First ? RoceOpcode.RdmaReadResponseFirst
            : last ? RoceOpcode.RdmaReadResponseLast
            : RoceOpcode.RdmaReadResponseMiddle;
        int packetLength = RocePacketWriter.PacketLength(opcode, length);
        var payload = RocePacketWriter.Write(transmitter.GetBuffer(packetLength), Header(opcode, job.NextPsn), length, default, AckExtendedTransportHeader.Ack(_msn));
        if (length > 0)
        {
            if (!_memory.TryGetRemote(job.RemoteKey, job.NextAddress, (ulong)length, MemoryAccess.RemoteRead, out RegisteredMemory? region))
            {
                // Deregistered while the READ was being answered.
                _readJobCount = 0;
                RespondWithError(NakCode.RemoteAccessError);
                return false;
            }

            region.GetSpan(job.NextAddress, length).CopyTo(payload);
        }

        transmitter.Transmit(packetLength);
        Counters.PacketsSent++;
        job.NextPsn += 1;
        job.NextAddress += (ulong)length;
        job.Remaining -= (uint)length;
        job.First = false;
        if (length == 0)
        {
            job.Remaining = 0;
        }

        return true;
    }

    /// <summary>
    /// A duplicate READ request: the replay it asks for, [psn, psn + n), replaces only the queued answers it covers and
    /// goes in PSN order. Answers queued for later requests stay — a re-request that arrives late (overtaken on the
    /// wire by newer requests) must not silence them, or their READ stalls until the requester's timeout. A queued
    /// answer that has yet to send this PSN and reaches as far makes the duplicate redundant.
    /// </summary>
    private void QueueReadReplay(in RocePacket packet)
    {
        var first = packet.Header.Psn;
        var end = first + PacketsFor(packet.Reth.DmaLength);
        for (int i = 0; i < _readJobCount; i++)
        {
            var job = _readJobs[(_readJobHead + i) % _readJobs.Length];
            var jobEnd = job.NextPsn + PacketsFor(job.Remaining);
            if (Psn.Distance(job.NextPsn, first) >= 0 && Psn.Distance(first, jobEnd) > 0 && Psn.Distance(end, jobEnd) >= 0)
            {
                return; // still to send from this PSN through the replay's end: nothing was lost yet
            }
        }

        int kept = 0;
        for (int i = 0; i < _readJobCount; i++)
        {
            var job = _readJobs[(_readJobHead + i) % _readJobs.Length];
            var jobEnd = job.NextPsn + PacketsFor(job.Remaining);
            if (Psn.Distance(first, job.NextPsn) >= 0 && Psn.Distance(jobEnd, end) >= 0)
            {
                continue; // the replay sends all of it again
            }

            _readJobs[(_readJobHead + kept) % _readJobs.Length] = job;
            kept++;
        }

        _readJobCount = kept;
        if (!QueueReadResponse(packet))
        {
            return;
        }

        // Appended last; move it in front of the answers to later PSNs.
        for (int i = _readJobCount - 1; i > 0; i--)
        {
            ref var earlier = ref _readJobs[(_readJobHead + i - 1) % _readJobs.Length];
            ref var current = ref _readJobs[(_readJobHead + i) % _readJobs.Length];
            if (Psn.Distance(current.NextPsn, earlier.NextPsn) <= 0)
            {
                break;
            }

            (earlier, current) = (current, earlier);
        }
    }
}
