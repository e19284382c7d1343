using RdmaOffload.Protocol.Messages;

namespace RdmaOffload.Protocol.Credit;

/// <summary>
/// The outstanding send descriptors of one connection, laid end to end as the outgoing byte stream: descriptor
/// <c>n</c> covers stream offsets <c>[start, start + length)</c> where <c>start</c> is the sum of the earlier lengths.
/// The adapter maps stream offsets to host memory with <see cref="TryLocate"/> (for first sends and retransmissions),
/// feeds the client's cumulative acknowledgment to <see cref="Acknowledge"/>, and completes descriptors with
/// <see cref="TryDequeueCompleted"/>: each exactly once, in order, only once all its bytes are acknowledged. The host
/// follows with <see cref="OnCompleted"/>. Nothing allocates after construction.
/// </summary>
public sealed class SendDescriptorQueue
{
    private readonly RingQueue<QueuedDescriptor> _queue;

    /// <summary>A queue admitting up to <paramref name="maxOutstanding"/> descriptors at once.</summary>
    public SendDescriptorQueue(int maxOutstanding)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxOutstanding);
        _queue = new RingQueue<QueuedDescriptor>(maxOutstanding);
    }

    /// <summary>Descriptors posted and not yet completed.</summary>
    public int Count => _queue.Count;

    /// <summary>Stream offset one past the last queued byte: total bytes ever queued.</summary>
    public long QueuedBytes { get; private set; }

    /// <summary>Cumulative bytes the client acknowledged (adapter) or whose descriptors completed (host).</summary>
    public long AcknowledgedBytes { get; private set; }

    /// <summary>Stream offset where the oldest outstanding descriptor starts (equals <see cref="QueuedBytes"/> when empty).</summary>
    public long CompletedBytes => _queue.Count == 0 ? QueuedBytes : _queue.Head.Start;

    /// <summary>Queued bytes the client has not acknowledged.</summary>
    public long UnacknowledgedBytes => QueuedBytes - AcknowledgedBytes;

    /// <summary>Appends a descriptor to the stream.</summary>
    /// <returns>A <see cref="ProtocolErrorCode.SendQueueViolation"/> if the queue is full or the id is outstanding.</returns>
    public Verdict Enqueue(in SendDescriptor descriptor)
    {
        if (descriptor.Validate() != Wire.DecodeStatus.Ok || _queue.IsFull || Contains(descriptor.DescriptorId))
        {
            return Verdict.Violation(ProtocolErrorCode.SendQueueViolation);
        }

        _queue.TryEnqueue(new QueuedDescriptor(descriptor, QueuedBytes));
        QueuedBytes += descriptor.Length;
        return Verdict.Accepted;
    }

    /// <summary>
    /// Adapter: the host memory holding stream bytes from <paramref name="streamOffset"/>, at most
    /// <paramref name="maxLength"/> and never past the end of one descriptor. False when the offset is not queued
    /// or already acknowledged.
    /// </summary>
    public bool TryLocate(long streamOffset, uint maxLength, out SendSlice slice)
    {
        slice = default;
        if (maxLength == 0 || streamOffset < AcknowledgedBytes || streamOffset >= QueuedBytes)
        {
            return false;
        }

        for (var i = 0; i < _queue.Count; i++)
        {
            ref readonly var queued = ref _queue[i];
            if (streamOffset < queued.End)
            {
                var offset = (ulong)(streamOffset - queued.Start);
                var length = (uint)Math.Min(maxLength, queued.End - streamOffset);
                slice = new SendSlice(queued.Descriptor.DescriptorId, queued.Descriptor.Address + offset,
                    queued.Descriptor.RemoteKey, length);
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Adapter: the client's cumulative acknowledgment as an outgoing stream offset (TCP's ACK minus the initial
    /// sequence number minus one, FIN excluded: NetStack's <c>AcknowledgedOffset</c>). Older acknowledgments are <see cref="VerdictKind.Ignored"/>; acknowledging bytes
    /// never queued is a violation.
    /// </summary>
    public Verdict Acknowledge(long cumulativeBytes)
    {
        if (cumulativeBytes > QueuedBytes)
        {
            return Verdict.Violation(ProtocolErrorCode.SendQueueViolation);
        }

        if (cumulativeBytes <= AcknowledgedBytes)
        {
            return cumulativeBytes == AcknowledgedBytes ? Verdict.Accepted : Verdict.Ignored;
        }

        AcknowledgedBytes = cumulativeBytes;
        return Verdict.Accepted;
    }

    /// <summary>Adapter: removes the oldest descriptor if every one of its bytes is acknowledged; call until false.</summary>
    public bool TryDequeueCompleted(out SendDescriptor completed)
    {
        if (_queue.Count == 0 || _queue.Head.End > AcknowledgedBytes)
        {
            completed = default;
            return false;
        }

        _queue.TryDequeue(out var queued);
        completed = queued.Descriptor;
        return true;
    }

    /// <summary>
    /// Host: follows an adapter completion, which must name the oldest outstanding descriptor.
    /// <paramref name="descriptor"/> is that descriptor, whose memory the host may now reuse.
    /// </summary>
    public Verdict OnCompleted(in SendCompleted completion, out SendDescriptor descriptor)
    {
        descriptor = default;
        if (_queue.Count == 0 || _queue.Head.Descriptor.DescriptorId != completion.DescriptorId)
        {
            return Verdict.Violation(ProtocolErrorCode.SendQueueViolation);
        }

        _queue.TryDequeue(out var queued);
        AcknowledgedBytes = queued.End;
        descriptor = queued.Descriptor;
        return Verdict.Accepted;
    }

    /// <summary>After <c>Reset</c>: takes back the oldest outstanding descriptor without completing it.</summary>
    public bool TryReclaim(out SendDescriptor descriptor)
    {
        var taken = _queue.TryDequeue(out var queued);
        descriptor = queued.Descriptor;
        return taken;
    }

    private bool Contains(uint descriptorId)
    {
        for (var i = 0; i < _queue.Count; i++)
        {
            if (_queue[i].Descriptor.DescriptorId == descriptorId)
            {
                return true;
            }
        }

        return false;
    }

    private readonly record struct QueuedDescriptor(SendDescriptor Descriptor, long Start)
    {
        public long End => Start + Descriptor.Length;
    }
}
