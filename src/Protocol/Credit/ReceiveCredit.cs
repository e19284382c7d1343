using RdmaOffload.Protocol.Messages;

namespace RdmaOffload.Protocol.Credit;

/// <summary>
/// Receive credit of one connection: the buffers the host posted, filled strictly in posting order, each from its
/// first byte. The adapter uses <see cref="TryPlaceWrite"/> to place client bytes and <see cref="AdvertisableWindow"/>
/// for its TCP window; the host uses <see cref="OnDataWritten"/> to check and follow the adapter's notifications.
/// Both ends therefore agree byte for byte. Nothing allocates after construction.
/// </summary>
/// <remarks>
/// The advertised window is the free posted bytes, so the right edge (next expected sequence number plus window)
/// only moves when the host posts: bytes written shrink the window exactly as they advance the sequence number,
/// and a buffer only leaves the queue once full, so credit is never withdrawn and never over-committed.
/// </remarks>
public sealed class ReceiveCredit
{
    private readonly RingQueue<PostedBuffer> _posted;

    /// <summary>Credit for one connection allowing up to <paramref name="maxPostedBuffers"/> buffers at once.</summary>
    public ReceiveCredit(int maxPostedBuffers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPostedBuffers);
        _posted = new RingQueue<PostedBuffer>(maxPostedBuffers);
    }

    /// <summary>Buffers posted and not yet full.</summary>
    public int PostedBuffers => _posted.Count;

    /// <summary>Unwritten bytes across posted buffers; never negative.</summary>
    public long FreeBytes { get; private set; }

    /// <summary>Bytes written into buffers since the connection opened.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Records a buffer the host posts (host) or received (adapter).</summary>
    /// <returns>A <see cref="ProtocolErrorCode.CreditViolation"/> if too many buffers are posted or the id is in use.</returns>
    public Verdict Post(in PostReceiveBuffer buffer)
    {
        if (buffer.Validate() != Wire.DecodeStatus.Ok || _posted.IsFull || Find(buffer.BufferId) >= 0)
        {
            return Verdict.Violation(ProtocolErrorCode.CreditViolation);
        }

        _posted.TryEnqueue(new PostedBuffer(buffer, 0));
        FreeBytes += buffer.Length;
        return Verdict.Accepted;
    }

    /// <summary>The TCP receive window to advertise: the free posted bytes, at most <paramref name="maxWindow"/>.</summary>
    public long AdvertisableWindow(long maxWindow)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxWindow);
        return Math.Min(FreeBytes, maxWindow);
    }

    /// <summary>
    /// Adapter: places up to <paramref name="availableBytes"/> in-order client bytes into the oldest buffer with room and
    /// consumes that credit. A run never spans buffers; call again for the rest. False when no credit is left.
    /// </summary>
    public bool TryPlaceWrite(long availableBytes, out ReceivePlacement placement)
    {
        placement = default;
        if (availableBytes <= 0 || _posted.Count == 0)
        {
            return false;
        }

        ref var head = ref _posted.Head;
        var count = (uint)Math.Min(availableBytes, head.Remaining);
        placement = new ReceivePlacement(head.Buffer.BufferId, head.Buffer.Address + head.Filled, head.Buffer.RemoteKey,
            head.Filled, count, head.Filled + count == head.Buffer.Length);
        Consume(count);
        return true;
    }

    /// <summary>
    /// Host: checks an adapter notification against the credit (the oldest buffer with room, at its fill offset,
    /// within its length) and consumes it. <paramref name="filledBuffer"/> is the buffer when the write filled it.
    /// </summary>
    public Verdict OnDataWritten(in DataWritten written, out PostReceiveBuffer? filledBuffer)
    {
        filledBuffer = null;
        if (_posted.Count == 0)
        {
            return Verdict.Violation(ProtocolErrorCode.CreditViolation);
        }

        ref var head = ref _posted.Head;
        if (written.BufferId != head.Buffer.BufferId || written.Offset != head.Filled
            || written.ByteCount == 0 || written.ByteCount > head.Remaining)
        {
            return Verdict.Violation(ProtocolErrorCode.CreditViolation);
        }

        var buffer = head.Buffer;
        if (Consume(written.ByteCount))
        {
            filledBuffer = buffer;
        }

        return Verdict.Accepted;
    }

    /// <summary>
    /// After <c>Fin</c> or <c>Reset</c>: takes back the oldest posted buffer, however full, so the host can reuse it.
    /// <paramref name="filled"/> says how many bytes of it hold data already reported.
    /// </summary>
    public bool TryReclaim(out PostReceiveBuffer buffer, out uint filled)
    {
        if (!_posted.TryDequeue(out var posted))
        {
            buffer = default;
            filled = 0;
            return false;
        }

        FreeBytes -= posted.Remaining;
        buffer = posted.Buffer;
        filled = posted.Filled;
        return true;
    }

    /// <summary>Consumes bytes from the head buffer; true when that fills it and it leaves the queue.</summary>
    private bool Consume(uint count)
    {
        ref var head = ref _posted.Head;
        head = head with { Filled = head.Filled + count };
        FreeBytes -= count;
        BytesWritten += count;
        if (head.Remaining != 0)
        {
            return false;
        }

        _posted.TryDequeue(out _);
        return true;
    }

    private int Find(uint bufferId)
    {
        for (var i = 0; i < _posted.Count; i++)
        {
            if (_posted[i].Buffer.BufferId == bufferId)
            {
                return i;
            }
        }

        return -1;
    }

    private readonly record struct PostedBuffer(PostReceiveBuffer Buffer, uint Filled)
    {
        public uint Remaining => Buffer.Length - Filled;
    }
}
