using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RdmaOffload.NetStack.Tcp;

/// <summary>
/// Keyed hashing for initial sequence numbers (RFC 6528: ISN = M + F(4-tuple, secret), M a 4 µs clock)
/// and SYN cookies. HMAC-SHA-256 over a stack buffer: no allocation per SYN.
/// </summary>
internal sealed class SequenceSecrets
{
    private readonly byte[] _key;

    public SequenceSecrets(ReadOnlySpan<byte> key)
    {
        if (key.Length < 16)
        {
            throw new ArgumentException("The sequence secret must be at least 16 bytes.", nameof(key));
        }

        _key = key.ToArray();
    }

    public static SequenceSecrets CreateRandom() => new(RandomNumberGenerator.GetBytes(32));

    public SeqNumber InitialSequenceNumber(in TcpFourTuple tuple, long nowMicros)
    {
        Span<byte> input = stackalloc byte[13];
        tuple.Write(input);
        input[12] = 0x49; // domain separation from cookies
        var m = (uint)(nowMicros / 4);
        return new SeqNumber(unchecked(m + Hash(input)));
    }

    /// <summary>
    /// Cookie layout: bits 31–27 a 64-second counter (mod 32), bits 26–24 the MSS table index, bits 23–0 a keyed
    /// hash of the tuple, the counter and the peer's ISN.
    /// </summary>
    public uint MakeSynCookie(in TcpFourTuple tuple, uint peerIsn, int mssIndex, long nowMicros)
    {
        var counter = (uint)(nowMicros / CookiePeriodMicros) & 31;
        return (counter << 27) | ((uint)mssIndex << 24) | (CookieHash(tuple, peerIsn, counter) & 0xFFFFFF);
    }

    /// <summary>Validates a cookie echoed in an ACK; returns the MSS table index or -1.</summary>
    public int CheckSynCookie(in TcpFourTuple tuple, uint peerIsn, uint cookie, long nowMicros)
    {
        var current = (uint)(nowMicros / CookiePeriodMicros) & 31;
        var counter = cookie >> 27;
        var age = (current - counter) & 31;
        if (age > 1)
        {
            return -1; // older than two periods (64–128 s)
        }

        return (CookieHash(tuple, peerIsn, counter) & 0xFFFFFF) == (cookie & 0xFFFFFF) ? (int)((cookie >> 24) & 7) : -1;
    }

    private const long CookiePeriodMicros = 64_000_000;

    private uint CookieHash(in TcpFourTuple tuple, uint peerIsn, uint counter)
    {
        Span<byte> input = stackalloc byte[21];
        tuple.Write(input);
        BinaryPrimitives.WriteUInt32BigEndian(input[12..], peerIsn);
        BinaryPrimitives.WriteUInt32BigEndian(input[16..], counter);
        input[20] = 0x43;
        return Hash(input);
    }

    private uint Hash(ReadOnlySpan<byte> input)
    {
        Span<byte> digest = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, input, digest);
        return BinaryPrimitives.ReadUInt32BigEndian(digest);
    }
}
