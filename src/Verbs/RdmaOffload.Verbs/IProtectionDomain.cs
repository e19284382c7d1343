namespace RdmaOffload.Verbs;

/// <summary>A protection domain: memory regions and queue pairs created in it may be used together.</summary>
public interface IProtectionDomain : IDisposable
{
    /// <summary>The device this domain belongs to.</summary>
    IRdmaDevice Device { get; }

    /// <summary>
    /// Allocates <paramref name="length"/> bytes of pinned, page-aligned native memory and registers it.
    /// The memory is freed when the region is disposed.
    /// </summary>
    IMemoryRegion AllocateAndRegister(nint length, MemoryAccess access);

    /// <summary>
    /// Registers caller-owned native memory. The caller keeps it alive and unmoved until the region is disposed.
    /// </summary>
    IMemoryRegion Register(nint address, nint length, MemoryAccess access);

    /// <summary>Creates a reliable-connected queue pair in RESET state.</summary>
    IQueuePair CreateQueuePair(QueuePairOptions options);
}

/// <summary>Access rights of a memory region or a queue pair (values of <c>enum ibv_access_flags</c>).</summary>
[Flags]
public enum MemoryAccess
{
    /// <summary>Local read only.</summary>
    None = 0,
    /// <summary>The local HCA may write (needed for RECV and READ targets).</summary>
    LocalWrite = 1,
    /// <summary>Peers may RDMA WRITE into it.</summary>
    RemoteWrite = 2,
    /// <summary>Peers may RDMA READ from it.</summary>
    RemoteRead = 4,
    /// <summary>Peers may perform atomics on it.</summary>
    RemoteAtomic = 8,
}

/// <summary>Sizes of a new queue pair.</summary>
public sealed record QueuePairOptions
{
    /// <summary>Completion queue for send-side work.</summary>
    public required ICompletionQueue SendCompletionQueue { get; init; }

    /// <summary>Completion queue for receive-side work (may be the same as the send CQ).</summary>
    public required ICompletionQueue ReceiveCompletionQueue { get; init; }

    /// <summary>Outstanding send work requests allowed.</summary>
    public int MaxSendWorkRequests { get; init; } = 256;

    /// <summary>Outstanding receive work requests allowed.</summary>
    public int MaxReceiveWorkRequests { get; init; } = 256;

    /// <summary>Scatter/gather entries per send work request.</summary>
    public int MaxSendScatterGatherEntries { get; init; } = 4;

    /// <summary>Scatter/gather entries per receive work request.</summary>
    public int MaxReceiveScatterGatherEntries { get; init; } = 4;

    /// <summary>Bytes of inline data per send; 0 for none.</summary>
    public int MaxInlineData { get; init; }

    /// <summary>When true every send work request completes; otherwise only those marked <see cref="SendOptions.Signaled"/>.</summary>
    public bool SignalAllSends { get; init; } = true;
}
