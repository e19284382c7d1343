namespace RdmaOffload.NetStack.InteropTests.Servers;

/// <summary>Deterministic pseudo-random content addressable by offset, so servers generate it lazily and tests verify it by hash.</summary>
public static class GeneratedContent
{
    // A 1 MiB pseudo-random block (odd size so it does not align with segments) repeated: filling is a copy.
    private const int BlockSize = (1 << 20) + 13;
    private static readonly byte[] Block = MakeBlock();

    /// <summary>Fills <paramref name="destination"/> with the content bytes at <paramref name="offset"/>.</summary>
    public static void Fill(long offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var start = (int)(offset % BlockSize);
            var count = Math.Min(destination.Length, BlockSize - start);
            Block.AsSpan(start, count).CopyTo(destination);
            destination = destination[count..];
            offset += count;
        }
    }

    private static byte[] MakeBlock()
    {
        var block = new byte[BlockSize];
        new Random(20261124).NextBytes(block);
        return block;
    }

    public static string Sha256(long length)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        for (long offset = 0; offset < length; offset += buffer.Length)
        {
            var count = (int)Math.Min(buffer.Length, length - offset);
            Fill(offset, buffer.AsSpan(0, count));
            sha.AppendData(buffer, 0, count);
        }

        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}
