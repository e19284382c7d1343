using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Transport;

/// <summary>A posted send work request and its transmission/reassembly progress. Reused from a ring.</summary>
internal sealed class SendQueueEntry
{
    public SendQueueEntry(int maxEntries, int maxInlineData)
    {
        Entries = new ScatterGatherEntry[maxEntries];
        InlineData = new byte[maxInlineData];
    }

    /// <summary>Payload copied at post time for <see cref="SendOptions.Inline"/> requests.</summary>
    public byte[] InlineData { get; }

    public bool IsInline { get; set; }

    public ulong WorkRequestId { get; set; }

    public SendOpcode Opcode { get; set; }

    public bool Signaled { get; set; }

    public bool Fenced { get; set; }

    public bool Solicited { get; set; }

    public uint Immediate { get; set; }

    public ulong RemoteAddress { get; set; }

    public uint RemoteKey { get; set; }

    public ScatterGatherEntry[] Entries { get; }

    public int EntryCount { get; set; }

    public uint Length { get; set; }

    public Psn FirstPsn { get; set; }

    public int PacketCount { get; set; }

    public Psn LastPsn => FirstPsn + (PacketCount - 1);

    /// <summary>A local error found when the request was checked; completes when it reaches the head.</summary>
    public WorkCompletionStatus LocalError { get; set; }

    /// <summary>READ: the next response PSN we expect.</summary>
    public Psn ExpectedResponsePsn { get; set; }

    /// <summary>READ: the request has been sent at least once (counts against the READ limit).</summary>
    public bool ReadIssued { get; set; }

    /// <summary>READ: all response data arrived.</summary>
    public bool ReadComplete { get; set; }

    /// <summary>READ: a gap was seen and a re-request is already queued.</summary>
    public bool GapRecoveryPending { get; set; }

    public bool IsRead => Opcode == SendOpcode.RdmaRead;
}

/// <summary>A posted receive work request. Reused from a ring.</summary>
internal sealed class ReceiveQueueEntry
{
    public ReceiveQueueEntry(int maxEntries) => Entries = new ScatterGatherEntry[maxEntries];

    public ulong WorkRequestId { get; set; }

    public ScatterGatherEntry[] Entries { get; }

    public int EntryCount { get; set; }

    public long Length { get; set; }

    public bool LocalProtectionError { get; set; }
}
