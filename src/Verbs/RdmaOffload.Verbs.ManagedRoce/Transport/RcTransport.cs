using RdmaOffload.Verbs.ManagedRoce.Memory;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Transport;

/// <summary>Sizes and tuning of one RC transport.</summary>
internal sealed record RcTransportOptions
{
    public int MaxSendWorkRequests { get; init; } = 256;

    public int MaxReceiveWorkRequests { get; init; } = 256;

    public int MaxSendEntries { get; init; } = 4;

    public int MaxReceiveEntries { get; init; } = 4;

    public bool SignalAllSends { get; init; } = true;

    /// <summary>Bytes a <see cref="SendOptions.Inline"/> request may carry.</summary>
    public int MaxInlineData { get; init; }

    /// <summary>Request packets sent but not acknowledged before the requester waits.</summary>
    public int MaxPacketsInFlight { get; init; } = 1024;

    /// <summary>READ responses one READ request asks for at most (larger READs are split).</summary>
    public int ReadRequestPackets { get; init; } = 64;

    /// <summary>Request packets between ACK requests inside a long message.</summary>
    public int AckRequestInterval { get; init; } = 32;

    /// <summary>Packets one <see cref="RcTransport.Poll"/> call emits at most, so one QP cannot starve others.</summary>
    public int PollBudget { get; init; } = 64;
}

/// <summary>
/// The sans-IO reliable-connected transport of one queue pair: verbs state machine, requester
/// (segmentation, PSNs, retransmission, READ reassembly, in-order completions) and responder (PSN
/// checks, RECV matching, WRITE/READ with key, bounds and rights checks, ACK/NAK). Packets come in
/// through <see cref="HandlePacket"/>, go out through <see cref="Poll"/>; time is passed in as
/// microseconds and never read. Not thread-safe: the owner serialises calls.
/// </summary>
internal sealed partial class RcTransport
{
    private const long DeferredTimerRecheckMicroseconds = 1000;

    private readonly RcTransportOptions _options;
    private readonly MemoryKeyTable _memory;
    private readonly ICompletionSink _sendCompletions;
    private readonly ICompletionSink _receiveCompletions;

    private MemoryAccess _remoteAccess;
    private uint _remoteQpn;
    private int _mtu = 1024;
    private byte _minRnrTimer = 12;
    private long _ackTimeoutMicroseconds;
    private int _retryLimit;
    private int _rnrRetryLimit;
    private int _maxReadsOutstanding = 16;
    private bool _completionQueueOverrun;

    public RcTransport(uint queuePairNumber, RcTransportOptions options, MemoryKeyTable memory, ICompletionSink sendCompletions, ICompletionSink receiveCompletions)
    {
        QueuePairNumber = queuePairNumber;
        _options = options;
        _memory = memory;
        _sendCompletions = sendCompletions;
        _receiveCompletions = receiveCompletions;
        _sendQueue = new SendQueueEntry[options.MaxSendWorkRequests];
        for (int i = 0; i < _sendQueue.Length; i++)
        {
            _sendQueue[i] = new SendQueueEntry(options.MaxSendEntries, options.MaxInlineData);
        }

        _receiveQueue = new ReceiveQueueEntry[options.MaxReceiveWorkRequests];
        for (int i = 0; i < _receiveQueue.Length; i++)
        {
            _receiveQueue[i] = new ReceiveQueueEntry(options.MaxReceiveEntries);
        }
    }

    public uint QueuePairNumber { get; }

    public QueuePairState State { get; private set; } = QueuePairState.Reset;

    public TransportCounters Counters { get; } = new();

    /// <summary>The remote QP this one is connected to (valid from RTR).</summary>
    public uint RemoteQueuePairNumber => _remoteQpn;

    /// <summary>Path MTU in bytes.</summary>
    public int Mtu => _mtu;

    /// <summary>True when <see cref="Poll"/> has packets to emit right now.</summary>
    public bool HasPendingOutput => State is QueuePairState.ReadyToReceive or QueuePairState.ReadyToSend && (ResponderHasOutput || RequesterHasOutput);

    public void ModifyToInit(MemoryAccess remoteAccess)
    {
        RequireState(QueuePairState.Reset, QueuePairState.Init);
        _remoteAccess = remoteAccess;
        State = QueuePairState.Init;
    }

    public void ModifyToReadyToReceive(in ReadyToReceiveAttributes attributes)
    {
        RequireState(QueuePairState.Init, QueuePairState.ReadyToReceive);
        if (attributes.RemoteQueuePairNumber > Psn.Mask || attributes.ReceivePacketSequenceNumber > Psn.Mask)
        {
            throw new RdmaException("ibv_modify_qp(RTR)", 22);
        }

        _remoteQpn = attributes.RemoteQueuePairNumber;
        _expectedPsn = new Psn(attributes.ReceivePacketSequenceNumber);
        _mtu = attributes.PathMtu == 0 ? 1024 : attributes.PathMtu.ToBytes();
        _minRnrTimer = attributes.MinRnrTimer;
        State = QueuePairState.ReadyToReceive;
    }

    public void ModifyToReadyToSend(in ReadyToSendAttributes attributes)
    {
        RequireState(QueuePairState.ReadyToReceive, QueuePairState.ReadyToSend);
        if (attributes.SendPacketSequenceNumber > Psn.Mask || attributes.RetryCount > 7 || attributes.RnrRetry > 7)
        {
            throw new RdmaException("ibv_modify_qp(RTS)", 22);
        }

        var psn = new Psn(attributes.SendPacketSequenceNumber);
        _nextPostPsn = psn;
        _transmitPsn = psn;
        _unackedPsn = psn;
        _sentLimitPsn = psn;
        _ackTimeoutMicroseconds = AckTimeoutMicroseconds(attributes.Timeout);
        _retryLimit = attributes.RetryCount;
        _rnrRetryLimit = attributes.RnrRetry;
        _retriesLeft = _retryLimit;
        _rnrRetriesLeft = _rnrRetryLimit;
        _maxReadsOutstanding = Math.Max((int)attributes.MaxReadAtomic, 1);
        _lossWindow = _options.MaxPacketsInFlight;
        State = QueuePairState.ReadyToSend;
    }

    /// <summary>Moves to ERROR and flushes every outstanding work request.</summary>
    public void ModifyToError()
    {
        if (State == QueuePairState.Reset)
        {
            State = QueuePairState.Error;
            return;
        }

        State = QueuePairState.Error;
        FlushSendQueue();
        FlushReceiveQueue();
        ResetResponderProgress();
    }

    /// <summary>Back to RESET: all queues emptied without completions.</summary>
    public void ModifyToReset()
    {
        State = QueuePairState.Reset;
        _completionQueueOverrun = false;
        _sqHead = _sqTail = _sqTransmit = 0;
        _rqHead = _rqTail = 0;
        _readsIssued = 0;
        _rnrResumeAt = 0;
        ResetResponderProgress();
    }

    /// <summary>The IB local ACK timeout: 4.096 µs × 2^value; 0 means infinite.</summary>
    public static long AckTimeoutMicroseconds(byte timeout) =>
        timeout == 0 ? long.MaxValue : (long)(4.096 * (1L << Math.Min((int)timeout, 31)));

    /// <summary>Processes one received packet addressed to this QP (ICRC already checked).</summary>
    public void HandlePacket(in RocePacket packet, long now)
    {
        if (State is not (QueuePairState.ReadyToReceive or QueuePairState.ReadyToSend))
        {
            Counters.DroppedInState++;
            return;
        }

        if ((packet.Header.PartitionKey & 0x7FFF) != (BaseTransportHeader.DefaultPartitionKey & 0x7FFF))
        {
            // Only the default partition exists on RoCE (the membership bit is ignored, as rxe does).
            Counters.BadPartitionKey++;
            return;
        }

        Counters.PacketsReceived++;
        if ((packet.Traits & OpcodeTraits.Request) != 0)
        {
            HandleRequest(packet);
        }
        else if (State == QueuePairState.ReadyToSend)
        {
            HandleResponse(packet, now);
        }
        else
        {
            Counters.DroppedInState++;
        }

        EnterErrorAfterOverrun();
    }

    /// <summary>
    /// Runs timers and emits due packets; returns the next time it needs to be called. <paramref name="receivedThrough"/>
    /// says up to when every packet that arrived has been handed in (default: now): a retransmit timer that expired
    /// after it waits, since the ACK it waits for may be among the packets not yet handed in.
    /// </summary>
    public long Poll(long now, IPacketTransmitter transmitter, long receivedThrough = long.MaxValue)
    {
        if (State is not (QueuePairState.ReadyToReceive or QueuePairState.ReadyToSend))
        {
            return long.MaxValue;
        }

        int budget = _options.PollBudget;
        budget = EmitResponderOutput(transmitter, budget);
        if (State == QueuePairState.ReadyToSend)
        {
            RunRequesterTimers(now, Math.Min(now, receivedThrough));
            if (State == QueuePairState.ReadyToSend)
            {
                EmitRequests(now, transmitter, budget);
            }
        }

        EnterErrorAfterOverrun();

        if (HasPendingOutput)
        {
            return now;
        }

        // A timer held back for a lagging receive path is looked at again shortly, not spun on.
        long next = NextRequesterDeadline();
        return next <= now ? now + DeferredTimerRecheckMicroseconds : next;
    }

    private void RequireState(QueuePairState from, QueuePairState to)
    {
        if (State != from)
        {
            throw new RdmaException($"ibv_modify_qp: {State} to {to} is not a valid transition", 22);
        }
    }

    private void Complete(ICompletionSink sink, in WorkCompletion completion)
    {
        if (!sink.TryAdd(completion))
        {
            // A lost completion breaks the caller's accounting: like a CQ overrun on hardware, the QP
            // goes to ERROR (at the end of the current call, not in the middle of a flush).
            Counters.CompletionQueueOverruns++;
            _completionQueueOverrun = true;
        }
    }

    private void EnterErrorAfterOverrun()
    {
        if (_completionQueueOverrun && State != QueuePairState.Error)
        {
            ModifyToError();
        }
    }

    private void EmitPacket(IPacketTransmitter transmitter, BaseTransportHeader header, ReadOnlySpan<byte> payload, in AckExtendedTransportHeader aeth)
    {
        int length = RocePacketWriter.PacketLength((RoceOpcode)header.Opcode, payload.Length);
        var buffer = transmitter.GetBuffer(length);
        payload.CopyTo(RocePacketWriter.Write(buffer, header, payload.Length, default, aeth));
        transmitter.Transmit(length);
        Counters.PacketsSent++;
    }

    private BaseTransportHeader Header(RoceOpcode opcode, Psn psn, bool ackRequest = false, bool solicited = false) => new()
    {
        Opcode = (byte)opcode,
        PartitionKey = BaseTransportHeader.DefaultPartitionKey,
        DestinationQueuePair = _remoteQpn,
        AckRequest = ackRequest,
        Solicited = solicited,
        Psn = psn,
    };

    private int PacketsFor(uint length) => length == 0 ? 1 : (int)((length + (uint)_mtu - 1) / (uint)_mtu);
}
