using RdmaOffload.Verbs.ManagedRoce.Memory;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Transport;

/// <summary>Why a post was refused (the verbs' errno).</summary>
internal enum PostError
{
    None = 0,
    /// <summary>EINVAL: bad state, too many entries, bad opcode or length.</summary>
    Invalid = 22,
    /// <summary>ENOMEM: the work queue is full.</summary>
    QueueFull = 12,
}

internal sealed partial class RcTransport
{
    private const long MaxMessageLength = 1L << 31;

    private readonly SendQueueEntry[] _sendQueue;
    private readonly ReceiveQueueEntry[] _receiveQueue;

    // Ring positions are free-running counters; index = position % length.
    private long _sqHead;     // oldest entry not yet completed
    private long _sqTransmit; // next entry to (re)transmit
    private long _sqTail;     // next free slot
    private long _rqHead;
    private long _rqTail;
    private Psn _nextPostPsn;

    public int SendQueueDepth => (int)(_sqTail - _sqHead);

    public int ReceiveQueueDepth => (int)(_rqTail - _rqHead);

    public PostError PostSend(in SendWorkRequest request, ReadOnlySpan<ScatterGatherEntry> entries)
    {
        if (State is not (QueuePairState.ReadyToSend or QueuePairState.Error)
            || entries.Length > _options.MaxSendEntries
            || request.Opcode is < SendOpcode.RdmaWrite or > SendOpcode.RdmaRead)
        {
            return PostError.Invalid;
        }

        if (_sqTail - _sqHead >= _sendQueue.Length)
        {
            return PostError.QueueFull;
        }

        long length = 0;
        foreach (var entry in entries)
        {
            length += entry.Length;
        }

        bool inline = (request.Options & SendOptions.Inline) != 0;
        if (length > MaxMessageLength || (inline && (length > _options.MaxInlineData || request.Opcode == SendOpcode.RdmaRead)))
        {
            return PostError.Invalid;
        }

        var wqe = _sendQueue[_sqTail % _sendQueue.Length];
        wqe.WorkRequestId = request.WorkRequestId;
        wqe.Opcode = request.Opcode;
        wqe.Signaled = _options.SignalAllSends || (request.Options & SendOptions.Signaled) != 0;
        wqe.Fenced = (request.Options & SendOptions.Fence) != 0;
        wqe.Solicited = (request.Options & SendOptions.Solicited) != 0;
        wqe.Immediate = request.ImmediateData;
        wqe.RemoteAddress = request.RemoteAddress;
        wqe.RemoteKey = request.RemoteKey;
        entries.CopyTo(wqe.Entries);
        wqe.EntryCount = entries.Length;
        wqe.Length = (uint)length;
        wqe.IsInline = inline;
        if (inline)
        {
            // Inline data is copied now, so its memory needs no key and may be reused at once.
            int offset = 0;
            foreach (var entry in entries)
            {
                RawMemory.Copy(entry.Address, wqe.InlineData.AsSpan(offset, (int)entry.Length));
                offset += (int)entry.Length;
            }

            wqe.LocalError = WorkCompletionStatus.Success;
        }
        else
        {
            wqe.LocalError = ValidateLocal(entries, wqe.IsRead ? MemoryAccess.LocalWrite : MemoryAccess.None)
                ? WorkCompletionStatus.Success
                : WorkCompletionStatus.LocalProtectionError;
        }

        wqe.ReadIssued = false;
        wqe.ReadComplete = false;
        wqe.GapReRequestedAt = long.MinValue;
        wqe.Ahead.Clear();
        if (State == QueuePairState.Error)
        {
            _sqTail++;
            FlushSendQueue();
            return PostError.None;
        }

        // A request that already failed locally consumes no PSNs: it never reaches the wire.
        wqe.PacketCount = wqe.LocalError == WorkCompletionStatus.Success ? PacketsFor(wqe.Length) : 0;
        wqe.FirstPsn = _nextPostPsn;
        wqe.ExpectedResponsePsn = _nextPostPsn;
        _nextPostPsn += wqe.PacketCount;
        _sqTail++;
        return PostError.None;
    }

    public PostError PostReceive(ulong workRequestId, ReadOnlySpan<ScatterGatherEntry> entries)
    {
        if (State == QueuePairState.Reset || entries.Length > _options.MaxReceiveEntries)
        {
            return PostError.Invalid;
        }

        if (_rqTail - _rqHead >= _receiveQueue.Length)
        {
            return PostError.QueueFull;
        }

        var wqe = _receiveQueue[_rqTail % _receiveQueue.Length];
        wqe.WorkRequestId = workRequestId;
        entries.CopyTo(wqe.Entries);
        wqe.EntryCount = entries.Length;
        long length = 0;
        foreach (var entry in entries)
        {
            length += entry.Length;
        }

        wqe.Length = length;
        wqe.LocalProtectionError = !ValidateLocal(entries, MemoryAccess.LocalWrite);
        _rqTail++;
        if (State == QueuePairState.Error)
        {
            FlushReceiveQueue();
        }

        return PostError.None;
    }

    private bool ValidateLocal(ReadOnlySpan<ScatterGatherEntry> entries, MemoryAccess required)
    {
        foreach (var entry in entries)
        {
            if (!_memory.TryGet(entry.LocalKey, out var region) || (region.Access & required) != required || !region.Contains(entry.Address, entry.Length))
            {
                return false;
            }
        }

        return true;
    }

    private static WorkCompletionOpcode CompletionOpcode(SendOpcode opcode) => opcode switch
    {
        SendOpcode.RdmaWrite or SendOpcode.RdmaWriteWithImmediate => WorkCompletionOpcode.RdmaWrite,
        SendOpcode.RdmaRead => WorkCompletionOpcode.RdmaRead,
        _ => WorkCompletionOpcode.Send,
    };

    private void CompleteSend(SendQueueEntry wqe, WorkCompletionStatus status)
    {
        if (status == WorkCompletionStatus.Success && !wqe.Signaled)
        {
            return;
        }

        Complete(_sendCompletions, new WorkCompletion
        {
            WorkRequestId = wqe.WorkRequestId,
            Status = status,
            Opcode = CompletionOpcode(wqe.Opcode),
            ByteLength = status == WorkCompletionStatus.Success ? wqe.Length : 0,
            QueuePairNumber = QueuePairNumber,
        });
    }

    private void FlushSendQueue()
    {
        for (; _sqHead < _sqTail; _sqHead++)
        {
            CompleteSend(_sendQueue[_sqHead % _sendQueue.Length], WorkCompletionStatus.WorkRequestFlushError);
        }

        _sqTransmit = _sqHead;
        _readsIssued = 0;
    }

    private void FlushReceiveQueue()
    {
        for (; _rqHead < _rqTail; _rqHead++)
        {
            var wqe = _receiveQueue[_rqHead % _receiveQueue.Length];
            Complete(_receiveCompletions, new WorkCompletion
            {
                WorkRequestId = wqe.WorkRequestId,
                Status = WorkCompletionStatus.WorkRequestFlushError,
                Opcode = WorkCompletionOpcode.Receive,
                QueuePairNumber = QueuePairNumber,
            });
        }
    }

    /// <summary>Copies message bytes [offset, offset+destination.Length) out of the entry's local memory.</summary>
    private bool Gather(SendQueueEntry wqe, long offset, Span<byte> destination)
    {
        if (wqe.IsInline)
        {
            wqe.InlineData.AsSpan((int)offset, destination.Length).CopyTo(destination);
            return true;
        }

        return CopyThroughEntries(wqe.Entries.AsSpan(0, wqe.EntryCount), offset, destination, default, MemoryAccess.None);
    }

    /// <summary>Copies <paramref name="source"/> into the entries' memory at message offset <paramref name="offset"/>.</summary>
    private bool Scatter(ReadOnlySpan<ScatterGatherEntry> entries, long offset, ReadOnlySpan<byte> source) =>
        CopyThroughEntries(entries, offset, default, source, MemoryAccess.LocalWrite);

    private bool CopyThroughEntries(ReadOnlySpan<ScatterGatherEntry> entries, long offset, Span<byte> gatherTo, ReadOnlySpan<byte> scatterFrom, MemoryAccess required)
    {
        int remaining = required == MemoryAccess.LocalWrite ? scatterFrom.Length : gatherTo.Length;
        int done = 0;
        foreach (var entry in entries)
        {
            if (remaining == 0)
            {
                break;
            }

            if (offset >= entry.Length)
            {
                offset -= entry.Length;
                continue;
            }

            int chunk = (int)Math.Min(entry.Length - offset, remaining);
            if (!_memory.TryGetLocal(entry.LocalKey, entry.Address + (ulong)offset, chunk, required, out var memory))
            {
                return false;
            }

            if (required == MemoryAccess.LocalWrite)
            {
                scatterFrom.Slice(done, chunk).CopyTo(memory);
            }
            else
            {
                memory.CopyTo(gatherTo.Slice(done, chunk));
            }

            done += chunk;
            remaining -= chunk;
            offset = 0;
        }

        return remaining == 0;
    }
}
