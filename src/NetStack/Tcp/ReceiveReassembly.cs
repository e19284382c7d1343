using System.Buffers;

namespace RdmaOffload.NetStack.Tcp;

/// <summary>
/// Holds out-of-order payload until the gap before it fills. Storage is a power-of-two ring indexed by stream
/// offset, rented from the shared pool on the first out-of-order segment and returned when the ring empties, so
/// connections that never see reordering hold no buffer.
/// </summary>
internal sealed class ReceiveReassembly
{
    private readonly int _capacity;
    private readonly RangeSet _ranges = new(16);
    private byte[]? _ring;

    public ReceiveReassembly(int capacity) => _capacity = (int)Math.Min(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 4096)), 1 << 30);

    public RangeSet Ranges => _ranges;

    public bool IsEmpty => _ranges.Count == 0;

    /// <summary>Index of the range that changed most recently (reported first in SACK, RFC 2018 §4).</summary>
    public int LastChangedRange { get; private set; } = -1;

    /// <summary>Stores [offset, offset+data.Length) beyond the delivery point; returns false if it does not fit.</summary>
    public bool Store(long deliveredOffset, long offset, ReadOnlySpan<byte> data)
    {
        if (offset + data.Length > deliveredOffset + _capacity || data.IsEmpty)
        {
            return false;
        }

        _ring ??= ArrayPool<byte>.Shared.Rent(_capacity);
        var index = (int)(offset & (_capacity - 1));
        var first = Math.Min(data.Length, _capacity - index);
        data[..first].CopyTo(_ring.AsSpan(index));
        data[first..].CopyTo(_ring);
        var changed = _ranges.Add(offset, offset + data.Length);
        if (changed < 0)
        {
            return false;
        }

        LastChangedRange = changed;
        return true;
    }

    /// <summary>
    /// If the lowest stored range starts at or before <paramref name="deliveredOffset"/>, hands its bytes beyond that
    /// point (up to <paramref name="limit"/>) to <paramref name="deliver"/> and returns how many were delivered.
    /// </summary>
    public long DeliverContiguous<TState>(long deliveredOffset, long limit, TState state, ReadOnlySpanAction<byte, TState> deliver)
    {
        if (_ranges.Count == 0 || _ranges.StartAt(0) > deliveredOffset || _ring is null)
        {
            return 0;
        }

        var end = Math.Min(_ranges.EndAt(0), limit);
        var total = end - deliveredOffset;
        var position = deliveredOffset;
        while (position < end)
        {
            var index = (int)(position & (_capacity - 1));
            var chunk = (int)Math.Min(end - position, _capacity - index);
            deliver(_ring.AsSpan(index, chunk), state);
            position += chunk;
        }

        Discard(Math.Max(end, deliveredOffset));
        return Math.Max(total, 0);
    }

    /// <summary>Forgets everything below <paramref name="offset"/>; returns the ring when empty.</summary>
    public void Discard(long offset)
    {
        _ranges.RemoveBelow(offset);
        LastChangedRange = _ranges.Count == 0 ? -1 : Math.Min(LastChangedRange, _ranges.Count - 1);
        if (_ranges.Count == 0)
        {
            ReturnRing();
        }
    }

    /// <summary>Drops everything held and returns the ring to the pool.</summary>
    public void Release()
    {
        _ranges.Clear();
        ReturnRing();
    }

    private void ReturnRing()
    {
        if (_ring is not null)
        {
            ArrayPool<byte>.Shared.Return(_ring);
            _ring = null;
        }
    }
}
