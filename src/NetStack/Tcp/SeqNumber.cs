namespace RdmaOffload.NetStack.Tcp;

/// <summary>
/// A 32-bit TCP sequence number with wraparound-safe comparison (RFC 9293 §3.4, as gVisor's
/// <c>seqnum</c>): <c>a</c> is before <c>b</c> when <c>(int)(a - b) &lt; 0</c>. There are deliberately no
/// relational operators, so raw comparisons of sequence numbers cannot be written by accident.
/// </summary>
public readonly record struct SeqNumber(uint Value)
{
    /// <summary>True when this number precedes <paramref name="other"/> in sequence space.</summary>
    public bool IsBefore(SeqNumber other) => (int)(Value - other.Value) < 0;

    /// <summary>True when this number precedes or equals <paramref name="other"/>.</summary>
    public bool IsBeforeOrEqual(SeqNumber other) => (int)(Value - other.Value) <= 0;

    /// <summary>True when this number follows <paramref name="other"/>.</summary>
    public bool IsAfter(SeqNumber other) => (int)(Value - other.Value) > 0;

    /// <summary>True when this number follows or equals <paramref name="other"/>.</summary>
    public bool IsAfterOrEqual(SeqNumber other) => (int)(Value - other.Value) >= 0;

    /// <summary>True when <paramref name="first"/> ≤ this &lt; <paramref name="first"/> + <paramref name="size"/>.</summary>
    public bool InWindow(SeqNumber first, uint size) => Value - first.Value < size;

    /// <summary>True when <paramref name="low"/> ≤ this ≤ <paramref name="high"/>.</summary>
    public bool InClosedRange(SeqNumber low, SeqNumber high) => IsAfterOrEqual(low) && IsBeforeOrEqual(high);

    /// <summary>The number <paramref name="count"/> positions later (negative counts go back).</summary>
    public SeqNumber Add(long count) => new(unchecked(Value + (uint)count));

    /// <summary>Signed distance from <paramref name="earlier"/> to this number.</summary>
    public int DistanceFrom(SeqNumber earlier) => (int)(Value - earlier.Value);

    /// <summary>The later of two numbers.</summary>
    public static SeqNumber Max(SeqNumber a, SeqNumber b) => a.IsAfter(b) ? a : b;

    /// <summary>The earlier of two numbers.</summary>
    public static SeqNumber Min(SeqNumber a, SeqNumber b) => a.IsBefore(b) ? a : b;

    /// <inheritdoc/>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
