namespace RdmaOffload.NetStack.InteropTests.Servers;

/// <summary>Deterministic pseudo-random content addressable by offset, so servers generate it lazily and tests verify it by hash.</summary>
public static class GeneratedContent
{
    /// <summary>Fills <paramref name="destination"/> with the content bytes at <paramref name="offset"/>.</summary>
    public static void Fill(long offset, Span<byte> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            var x = (ulong)(offset + i) * 0x9E3779B97F4A7C15UL;
            destination[i] = (byte)((x >> 29) ^ (x >> 47));
        }
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
