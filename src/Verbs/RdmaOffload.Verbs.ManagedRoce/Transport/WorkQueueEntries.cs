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

    /// <summary>When a re-request for the first missing response last went out (long.MinValue: none since the last progress).</summary>
    public long GapReRequestedAt { get; set; } = long.MinValue;

    /// <summary>READ: responses placed beyond <see cref="ExpectedResponsePsn"/> (they overtook a delayed or lost one).</summary>
    public ResponsesAhead Ahead { get; } = new();

    public bool IsRead => Opcode == SendOpcode.RdmaRead;
}

/// <summary>
/// Which READ responses beyond the expected one already arrived and were placed: bit <c>d</c> stands for the PSN
/// <c>d</c> past the expected one (d ≥ 1), up to <see cref="Capacity"/> − 1 ahead — the largest window.
/// </summary>
internal sealed class ResponsesAhead
{
    public const int Capacity = 1024;

    private readonly ulong[] _bits = new ulong[Capacity / 64];

    /// <summary>Responses held ahead of the expected one.</summary>
    public int Count { get; private set; }

    /// <summary>Marks the response <paramref name="distance"/> past the expected one; false if it was already there.</summary>
    public bool TryMark(int distance)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(distance, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(distance, Capacity);
        ulong mask = 1UL << (distance & 63);
        if ((_bits[distance >> 6] & mask) != 0)
        {
            return false;
        }

        _bits[distance >> 6] |= mask;
        Count++;
        return true;
    }

    /// <summary>
    /// The expected response arrived: returns how many already-held responses directly follow it, and renumbers the
    /// rest relative to the new expected PSN (1 + that many further on).
    /// </summary>
    public int AdvancePastExpected()
    {
        if (Count == 0)
        {
            return 0;
        }

        int run = 0;
        while (run + 1 < Capacity && (_bits[(run + 1) >> 6] & (1UL << ((run + 1) & 63))) != 0)
        {
            run++;
        }

        ShiftDown(run + 1);
        Count -= run;
        return run;
    }

    public void Clear()
    {
        Array.Clear(_bits);
        Count = 0;
    }

    private void ShiftDown(int by)
    {
        int words = by >> 6;
        int bits = by & 63;
        for (int i = 0; i < _bits.Length; i++)
        {
            int from = i + words;
            ulong low = from < _bits.Length ? _bits[from] : 0;
            ulong high = from + 1 < _bits.Length ? _bits[from + 1] : 0;
            _bits[i] = bits == 0 ? low : (low >> bits) | (high << (64 - bits));
        }
    }
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
