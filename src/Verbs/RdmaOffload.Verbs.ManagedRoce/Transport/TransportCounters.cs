namespace RdmaOffload.Verbs.ManagedRoce.Transport;

/// <summary>What a queue pair's transport saw and did; read for diagnostics and tests.</summary>
public sealed class TransportCounters
{
    /// <summary>Packets emitted (first transmissions and retransmissions).</summary>
    public long PacketsSent { get; internal set; }

    /// <summary>Packets received and accepted for processing.</summary>
    public long PacketsReceived { get; internal set; }

    /// <summary>Request packets retransmitted (go-back-N after timeout or NAK).</summary>
    public long Retransmissions { get; internal set; }

    /// <summary>Retransmit timer expiries.</summary>
    public long Timeouts { get; internal set; }

    /// <summary>Duplicate requests seen by the responder.</summary>
    public long DuplicateRequests { get; internal set; }

    /// <summary>Out-of-sequence requests seen by the responder.</summary>
    public long OutOfSequenceRequests { get; internal set; }

    /// <summary>PSN sequence error NAKs sent.</summary>
    public long SequenceNaksSent { get; internal set; }

    /// <summary>RNR NAKs sent.</summary>
    public long RnrNaksSent { get; internal set; }

    /// <summary>RNR NAKs received.</summary>
    public long RnrNaksReceived { get; internal set; }

    /// <summary>Remote access, invalid request and operational NAKs sent.</summary>
    public long ErrorNaksSent { get; internal set; }

    /// <summary>Responses dropped: stale, outside the window, or inconsistent (the sum of the three below, for the requester).</summary>
    public long ResponsesDropped { get; internal set; }

    /// <summary>Responses for nothing outstanding: another QP, no unacknowledged work, or a PSN outside the window.</summary>
    public long ResponsesStale { get; internal set; }

    /// <summary>READ responses already placed (a replay brought them again).</summary>
    public long ResponsesDuplicate { get; internal set; }

    /// <summary>READ responses that fit no outstanding READ: past the head request, wrong length, or too far ahead to keep.</summary>
    public long ResponsesMisfit { get; internal set; }

    /// <summary>READ re-requests sent because a response was missing when a later one arrived.</summary>
    public long ReadGapReRequests { get; internal set; }

    /// <summary>Go-backs on a PSN sequence error NAK.</summary>
    public long NakRetransmits { get; internal set; }

    /// <summary>READ responses that overtook an earlier one and were placed out of order.</summary>
    public long ResponsesOutOfOrder { get; internal set; }

    /// <summary>Packets dropped because the QP state does not accept them.</summary>
    public long DroppedInState { get; internal set; }

    /// <summary>Packets dropped for a partition key other than the default one.</summary>
    public long BadPartitionKey { get; internal set; }

    /// <summary>The requester's state when it last failed a request (retry or RNR exhaustion, a NAK): for diagnostics.</summary>
    public string? LastRequesterFailure { get; internal set; }

    /// <summary>Completions lost because a completion queue was full.</summary>
    public long CompletionQueueOverruns { get; internal set; }
}
