namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>Position-dependent test data, so a shifted, truncated or stale copy is detected.</summary>
internal static class Pattern
{
    internal static void Fill(Span<byte> destination, int seed)
    {
        uint state = (uint)seed * 2654435761u + 1;
        for (int i = 0; i < destination.Length; i++)
        {
            state = (state * 1103515245u) + 12345u;
            destination[i] = (byte)((state >> 16) ^ (uint)i);
        }
    }

    internal static void AssertEqual(ReadOnlySpan<byte> actual, ReadOnlySpan<byte> expected)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), "length");
        int mismatch = actual.CommonPrefixLength(expected);
        if (mismatch != actual.Length)
        {
            Assert.Fail($"data differs first at byte {mismatch} of {actual.Length}: got 0x{actual[mismatch]:x2}, expected 0x{expected[mismatch]:x2}");
        }
    }
}
