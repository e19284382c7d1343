namespace RdmaOffload.NetStack.Tcp;

/// <summary>
/// A small sorted set of disjoint half-open ranges [start, end) over 64-bit stream offsets, used for the SACK
/// scoreboard and the out-of-order receive map. Bounded: when full, the highest range is dropped, which is always
/// safe because both users treat the set as a hint that can be rebuilt (by retransmission).
/// </summary>
internal sealed class RangeSet
{
    private readonly int _capacity;

    // Allocated on first use: most connections never see loss or reordering, and TIME-WAIT ones hold nothing.
    private long[] _starts = [];
    private long[] _ends = [];

    public RangeSet(int capacity) => _capacity = capacity;

    public int Count { get; private set; }

    public long StartAt(int index) => _starts[index];

    public long EndAt(int index) => _ends[index];

    public long TotalLength
    {
        get
        {
            long sum = 0;
            for (var i = 0; i < Count; i++)
            {
                sum += _ends[i] - _starts[i];
            }

            return sum;
        }
    }

    public long HighestEnd => Count == 0 ? long.MinValue : _ends[Count - 1];

    public void Clear() => Count = 0;

    /// <summary>Adds [start, end), merging with overlapping or adjacent ranges; returns the index of the merged range or -1.</summary>
    public int Add(long start, long end)
    {
        if (end <= start)
        {
            return -1;
        }

        if (_starts.Length == 0)
        {
            _starts = new long[_capacity];
            _ends = new long[_capacity];
        }

        // First range whose end reaches start (candidates for merging begin here).
        var i = 0;
        while (i < Count && _ends[i] < start)
        {
            i++;
        }

        var j = i;
        while (j < Count && _starts[j] <= end)
        {
            start = Math.Min(start, _starts[j]);
            end = Math.Max(end, _ends[j]);
            j++;
        }

        var merged = j - i;
        if (merged == 0)
        {
            if (Count == _starts.Length)
            {
                if (i == Count)
                {
                    return -1; // full and the new range is the highest: drop it
                }

                Count--; // drop the highest range to make room
            }

            Array.Copy(_starts, i, _starts, i + 1, Count - i);
            Array.Copy(_ends, i, _ends, i + 1, Count - i);
            Count++;
        }
        else if (merged > 1)
        {
            Array.Copy(_starts, j, _starts, i + 1, Count - j);
            Array.Copy(_ends, j, _ends, i + 1, Count - j);
            Count -= merged - 1;
        }

        _starts[i] = start;
        _ends[i] = end;
        return i;
    }

    /// <summary>Forgets everything below <paramref name="offset"/>.</summary>
    public void RemoveBelow(long offset)
    {
        var drop = 0;
        while (drop < Count && _ends[drop] <= offset)
        {
            drop++;
        }

        if (drop > 0)
        {
            Array.Copy(_starts, drop, _starts, 0, Count - drop);
            Array.Copy(_ends, drop, _ends, 0, Count - drop);
            Count -= drop;
        }

        if (Count > 0 && _starts[0] < offset)
        {
            _starts[0] = offset;
        }
    }

    /// <summary>True when <paramref name="offset"/> lies inside a range.</summary>
    public bool Contains(long offset)
    {
        for (var i = 0; i < Count; i++)
        {
            if (offset >= _starts[i] && offset < _ends[i])
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Bytes in [from, to) not covered by any range.</summary>
    public long UncoveredBytes(long from, long to)
    {
        if (to <= from)
        {
            return 0;
        }

        var uncovered = to - from;
        for (var i = 0; i < Count; i++)
        {
            var s = Math.Max(_starts[i], from);
            var e = Math.Min(_ends[i], to);
            if (e > s)
            {
                uncovered -= e - s;
            }
        }

        return uncovered;
    }

    /// <summary>The first uncovered gap at or after <paramref name="from"/> and before <paramref name="limit"/>.</summary>
    public bool TryFindGap(long from, long limit, out long gapStart, out long gapEnd)
    {
        var position = from;
        for (var i = 0; i < Count && position < limit; i++)
        {
            if (_ends[i] <= position)
            {
                continue;
            }

            if (_starts[i] > position)
            {
                gapStart = position;
                gapEnd = Math.Min(_starts[i], limit);
                return true;
            }

            position = _ends[i];
        }

        gapStart = position;
        gapEnd = limit;
        return position < limit;
    }
}
