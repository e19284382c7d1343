namespace RdmaOffload.Verbs;

/// <summary>What a send-queue work request does (values of <c>enum ibv_wr_opcode</c>).</summary>
public enum SendOpcode
{
    /// <summary>RDMA WRITE into the peer's memory.</summary>
    RdmaWrite = 0,
    /// <summary>RDMA WRITE, then consume a peer RECV delivering the immediate value.</summary>
    RdmaWriteWithImmediate = 1,
    /// <summary>Two-sided SEND into a posted RECV.</summary>
    Send = 2,
    /// <summary>SEND carrying a 32-bit immediate value.</summary>
    SendWithImmediate = 3,
    /// <summary>RDMA READ from the peer's memory.</summary>
    RdmaRead = 4,
}

/// <summary>Send work request options (values of <c>enum ibv_send_flags</c>).</summary>
[Flags]
public enum SendOptions
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>Wait for earlier RDMA READs to finish before this one starts.</summary>
    Fence = 1,
    /// <summary>Generate a completion (needed when the QP does not signal all sends).</summary>
    Signaled = 2,
    /// <summary>Ask the peer to generate a solicited event.</summary>
    Solicited = 4,
    /// <summary>Copy the payload into the work request (small sends; no lkey needed).</summary>
    Inline = 8,
}

/// <summary>
/// A send-queue work request. Its scatter/gather list is passed beside it
/// (<see cref="IQueuePair.PostSend(in SendWorkRequest, ReadOnlySpan{ScatterGatherEntry})"/>) so posting allocates nothing.
/// </summary>
public readonly record struct SendWorkRequest
{
    /// <summary>Caller's id, returned in the work completion.</summary>
    public ulong WorkRequestId { get; init; }

    /// <summary>Operation.</summary>
    public SendOpcode Opcode { get; init; }

    /// <summary>Options (signaled, fence, inline...).</summary>
    public SendOptions Options { get; init; }

    /// <summary>Immediate value (host byte order) for the *WithImmediate opcodes.</summary>
    public uint ImmediateData { get; init; }

    /// <summary>Peer virtual address for RDMA READ/WRITE.</summary>
    public ulong RemoteAddress { get; init; }

    /// <summary>Peer remote key for RDMA READ/WRITE.</summary>
    public uint RemoteKey { get; init; }

    /// <summary>For batched posting: index of this request's first entry in the shared scatter/gather array.</summary>
    public int FirstEntry { get; init; }

    /// <summary>For batched posting: number of scatter/gather entries.</summary>
    public int EntryCount { get; init; }
}
