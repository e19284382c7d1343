using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RdmaOffload.EndToEnd.Tests.Transfers;

/// <summary>
/// A deterministic byte stream per seed (splitmix64 of the word index): both ends generate it, so a transfer is
/// verified without storing it. Positioned by offset, so it can be produced in chunks of any size.
/// </summary>
internal static class Pattern
{
    public static void Fill(ulong seed, long offset, Span<byte> destination)
    {
        Span<byte> word = stackalloc byte[8];
        var i = 0;
        // Whole words in the middle go straight into the destination; partial words at either end through a copy.
        while (i < destination.Length)
        {
            var position = offset + i;
            var within = (int)(position & 7);
            var value = Mix(seed ^ (ulong)(position >> 3));
            if (within == 0 && destination.Length - i >= 8)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(destination[i..], value);
                i += 8;
                continue;
            }

            BinaryPrimitives.WriteUInt64LittleEndian(word, value);
            var n = Math.Min(8 - within, destination.Length - i);
            word.Slice(within, n).CopyTo(destination[i..]);
            i += n;
        }
    }

    /// <summary>SHA-256 of the first <paramref name="length"/> bytes of the stream for <paramref name="seed"/>.</summary>
    public static byte[] Sha256(ulong seed, long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[256 * 1024];
        for (long offset = 0; offset < length; offset += chunk.Length)
        {
            var n = (int)Math.Min(chunk.Length, length - offset);
            Fill(seed, offset, chunk.AsSpan(0, n));
            hash.AppendData(chunk, 0, n);
        }

        return hash.GetHashAndReset();
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
