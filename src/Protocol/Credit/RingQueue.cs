namespace RdmaOffload.Protocol.Credit;

/// <summary>A fixed-capacity FIFO over one array allocated up front, so queueing on the hot path allocates nothing.</summary>
internal sealed class RingQueue<T>
    where T : struct
{
    private readonly T[] _items;
    private int _head;

    internal RingQueue(int capacity) => _items = new T[capacity];

    internal int Count { get; private set; }

    internal int Capacity => _items.Length;

    internal bool IsFull => Count == _items.Length;

    /// <summary>The <paramref name="index"/>-th item from the head; the caller keeps the index below <see cref="Count"/>.</summary>
    internal ref T this[int index] => ref _items[(_head + index) % _items.Length];

    internal ref T Head => ref this[0];

    internal bool TryEnqueue(in T item)
    {
        if (IsFull)
        {
            return false;
        }

        _items[(_head + Count) % _items.Length] = item;
        Count++;
        return true;
    }

    internal bool TryDequeue(out T item)
    {
        if (Count == 0)
        {
            item = default;
            return false;
        }

        item = _items[_head];
        _items[_head] = default;
        _head = (_head + 1) % _items.Length;
        Count--;
        return true;
    }
}
