namespace RdmaOffload.Verbs;

/// <summary>Outcome of a work request (values of <c>enum ibv_wc_status</c>).</summary>
public enum WorkCompletionStatus
{
    /// <summary>Completed successfully.</summary>
    Success = 0,
    /// <summary>Local length error (e.g. RECV buffer too small).</summary>
    LocalLengthError = 1,
    /// <summary>Local QP operation error.</summary>
    LocalQpOperationError = 2,
    /// <summary>Local EE context operation error.</summary>
    LocalEecOperationError = 3,
    /// <summary>Local protection error (bad lkey or address).</summary>
    LocalProtectionError = 4,
    /// <summary>Work request flushed because the QP entered the error state.</summary>
    WorkRequestFlushError = 5,
    /// <summary>Memory window bind error.</summary>
    MemoryWindowBindError = 6,
    /// <summary>Bad response from the peer.</summary>
    BadResponseError = 7,
    /// <summary>Local access error.</summary>
    LocalAccessError = 8,
    /// <summary>Remote invalid request (NAK invalid request).</summary>
    RemoteInvalidRequestError = 9,
    /// <summary>Remote access error (bad rkey, bounds, or rights).</summary>
    RemoteAccessError = 10,
    /// <summary>Remote operation error.</summary>
    RemoteOperationError = 11,
    /// <summary>Transport retry counter exceeded: the peer did not answer.</summary>
    RetryExceededError = 12,
    /// <summary>RNR retry counter exceeded: the peer had no RECV posted.</summary>
    RnrRetryExceededError = 13,
    /// <summary>Local RDD violation.</summary>
    LocalRddViolationError = 14,
    /// <summary>Remote invalid RD request.</summary>
    RemoteInvalidRdRequest = 15,
    /// <summary>Remote aborted.</summary>
    RemoteAbortError = 16,
    /// <summary>Invalid EE context number.</summary>
    InvalidEecnError = 17,
    /// <summary>Invalid EE context state.</summary>
    InvalidEecStateError = 18,
    /// <summary>Fatal error.</summary>
    FatalError = 19,
    /// <summary>Response timeout.</summary>
    ResponseTimeoutError = 20,
    /// <summary>General error.</summary>
    GeneralError = 21,
}

/// <summary>Which operation completed (values of <c>enum ibv_wc_opcode</c>).</summary>
public enum WorkCompletionOpcode
{
    /// <summary>SEND (with or without immediate).</summary>
    Send = 0,
    /// <summary>RDMA WRITE (with or without immediate), requester side.</summary>
    RdmaWrite = 1,
    /// <summary>RDMA READ.</summary>
    RdmaRead = 2,
    /// <summary>Compare and swap.</summary>
    CompareAndSwap = 3,
    /// <summary>Fetch and add.</summary>
    FetchAndAdd = 4,
    /// <summary>Memory window bind.</summary>
    BindMemoryWindow = 5,
    /// <summary>Local invalidate.</summary>
    LocalInvalidate = 6,
    /// <summary>A RECV consumed by a SEND.</summary>
    Receive = 128,
    /// <summary>A RECV consumed by an RDMA WRITE with immediate.</summary>
    ReceiveRdmaWithImmediate = 129,
}

/// <summary>A work completion, copied out of the completion queue.</summary>
public readonly record struct WorkCompletion
{
    /// <summary>The work request's id.</summary>
    public ulong WorkRequestId { get; init; }

    /// <summary>Status; anything but <see cref="WorkCompletionStatus.Success"/> is an error, reported as a value.</summary>
    public WorkCompletionStatus Status { get; init; }

    /// <summary>Operation (only meaningful on success for receive completions).</summary>
    public WorkCompletionOpcode Opcode { get; init; }

    /// <summary>Vendor-specific error syndrome.</summary>
    public uint VendorError { get; init; }

    /// <summary>Bytes received (receive completions) or transferred.</summary>
    public uint ByteLength { get; init; }

    /// <summary>True when <see cref="ImmediateData"/> carries a value.</summary>
    public bool HasImmediate { get; init; }

    /// <summary>Immediate value in host byte order.</summary>
    public uint ImmediateData { get; init; }

    /// <summary>Local QP number the completion belongs to.</summary>
    public uint QueuePairNumber { get; init; }

    /// <summary>Remote QP number (UD only; 0 for RC).</summary>
    public uint SourceQueuePairNumber { get; init; }

    /// <summary>True when <see cref="Status"/> is success.</summary>
    public bool IsSuccess => Status == WorkCompletionStatus.Success;
}
