namespace RdmaOffload.Verbs;

/// <summary>States of a queue pair (values of <c>enum ibv_qp_state</c>).</summary>
public enum QueuePairState
{
    /// <summary>Just created, or reset.</summary>
    Reset = 0,
    /// <summary>Initialised: receives may be posted.</summary>
    Init = 1,
    /// <summary>Ready to receive.</summary>
    ReadyToReceive = 2,
    /// <summary>Ready to send.</summary>
    ReadyToSend = 3,
    /// <summary>Send queue drain.</summary>
    SendQueueDrain = 4,
    /// <summary>Send queue error.</summary>
    SendQueueError = 5,
    /// <summary>Error: outstanding work is flushed with <see cref="WorkCompletionStatus.WorkRequestFlushError"/>.</summary>
    Error = 6,
}

/// <summary>A reliable-connected queue pair.</summary>
public interface IQueuePair : IDisposable
{
    /// <summary>The QP number peers address.</summary>
    uint QueuePairNumber { get; }

    /// <summary>The state as last set or queried.</summary>
    QueuePairState State { get; }

    /// <summary>Reads the state from the provider (a QP may enter Error on its own).</summary>
    QueuePairState QueryState();

    /// <summary>RESET → INIT: binds the QP to a port and sets the access the peer is granted.</summary>
    void ModifyToInit(byte portNumber, MemoryAccess remoteAccess);

    /// <summary>INIT → RTR: points the QP at the remote one.</summary>
    void ModifyToReadyToReceive(in ReadyToReceiveAttributes attributes);

    /// <summary>RTR → RTS: starts the send side.</summary>
    void ModifyToReadyToSend(in ReadyToSendAttributes attributes);

    /// <summary>Any state → ERROR: outstanding work completes flushed.</summary>
    void ModifyToError();

    /// <summary>Any state → RESET.</summary>
    void ModifyToReset();

    /// <summary>Posts one send-queue work request whose scatter/gather list is <paramref name="entries"/>.</summary>
    /// <exception cref="RdmaException">The queue is full or the request is invalid for the QP's state.</exception>
    void PostSend(in SendWorkRequest request, ReadOnlySpan<ScatterGatherEntry> entries);

    /// <summary>
    /// Posts several send work requests in one call; each names its entries with
    /// <see cref="SendWorkRequest.FirstEntry"/> and <see cref="SendWorkRequest.EntryCount"/>.
    /// Returns how many were posted before the first failure (all on success).
    /// </summary>
    int PostSend(ReadOnlySpan<SendWorkRequest> requests, ReadOnlySpan<ScatterGatherEntry> entries);

    /// <summary>Posts one receive work request.</summary>
    /// <exception cref="RdmaException">The queue is full or the QP is in RESET.</exception>
    void PostReceive(ulong workRequestId, ReadOnlySpan<ScatterGatherEntry> entries);
}

/// <summary>What INIT → RTR needs to know about the remote QP.</summary>
public readonly record struct ReadyToReceiveAttributes
{
    /// <summary>Remote QP number.</summary>
    public required uint RemoteQueuePairNumber { get; init; }

    /// <summary>The first PSN expected from the remote side.</summary>
    public required uint ReceivePacketSequenceNumber { get; init; }

    /// <summary>Remote GID (RoCE / global routing).</summary>
    public required Gid RemoteGid { get; init; }

    /// <summary>Local GID index used as source.</summary>
    public required int LocalGidIndex { get; init; }

    /// <summary>Remote LID (InfiniBand without GRH); 0 on RoCE.</summary>
    public ushort RemoteLid { get; init; }

    /// <summary>Local port number.</summary>
    public byte PortNumber { get; init; }

    /// <summary>Path MTU.</summary>
    public PathMtu PathMtu { get; init; }

    /// <summary>RDMA READs the remote side may have outstanding against us.</summary>
    public byte MaxDestinationReadAtomic { get; init; }

    /// <summary>Minimum RNR NAK timer (IB encoding; 12 = 0.64 ms).</summary>
    public byte MinRnrTimer { get; init; }

    /// <summary>Hop limit for the GRH.</summary>
    public byte HopLimit { get; init; }

    /// <summary>The default attributes for a RoCE peer.</summary>
    public static ReadyToReceiveAttributes ForRoce(in QueuePairEndpoint remote, int localGidIndex, PathMtu mtu, byte port = 1) => new()
    {
        RemoteQueuePairNumber = remote.QueuePairNumber,
        ReceivePacketSequenceNumber = remote.PacketSequenceNumber,
        RemoteGid = remote.Gid,
        RemoteLid = remote.Lid,
        LocalGidIndex = localGidIndex,
        PortNumber = port,
        PathMtu = mtu,
        MaxDestinationReadAtomic = 16,
        MinRnrTimer = 12,
        HopLimit = 64,
    };
}

/// <summary>What RTR → RTS needs.</summary>
public readonly record struct ReadyToSendAttributes
{
    /// <summary>Our first send PSN (the peer's expected PSN).</summary>
    public required uint SendPacketSequenceNumber { get; init; }

    /// <summary>Local ACK timeout (IB encoding: 4.096 µs × 2^value; 14 ≈ 67 ms).</summary>
    public byte Timeout { get; init; }

    /// <summary>Transport retries before <see cref="WorkCompletionStatus.RetryExceededError"/> (0–7).</summary>
    public byte RetryCount { get; init; }

    /// <summary>RNR retries (0–7; 7 = forever).</summary>
    public byte RnrRetry { get; init; }

    /// <summary>RDMA READs we may have outstanding.</summary>
    public byte MaxReadAtomic { get; init; }

    /// <summary>Defaults suited to RoCE links.</summary>
    public static ReadyToSendAttributes Default(uint sendPsn) => new()
    {
        SendPacketSequenceNumber = sendPsn,
        Timeout = 14,
        RetryCount = 7,
        RnrRetry = 7,
        MaxReadAtomic = 16,
    };
}
