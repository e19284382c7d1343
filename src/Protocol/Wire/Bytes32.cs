using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RdmaOffload.Protocol.Wire;

/// <summary>
/// 32 opaque bytes held inline (nonces, HMAC-SHA256 proofs). Equality is constant-time so that comparing a
/// proof never leaks how many leading bytes matched.
/// </summary>
public readonly struct Bytes32 : IEquatable<Bytes32>
{
    /// <summary>Length in bytes.</summary>
    public const int Length = 32;

    private readonly ulong _w0;
    private readonly ulong _w1;
    private readonly ulong _w2;
    private readonly ulong _w3;

    private Bytes32(ulong w0, ulong w1, ulong w2, ulong w3) => (_w0, _w1, _w2, _w3) = (w0, w1, w2, w3);

    /// <summary>Whether all bytes are zero.</summary>
    public bool IsZero => (_w0 | _w1 | _w2 | _w3) == 0;

    /// <summary>Reads the first 32 bytes of <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than 32 bytes.</exception>
    public static Bytes32 Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Length)
        {
            throw new ArgumentException("Need 32 bytes.", nameof(source));
        }

        return new Bytes32(
            BinaryPrimitives.ReadUInt64BigEndian(source),
            BinaryPrimitives.ReadUInt64BigEndian(source[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[24..]));
    }

    /// <summary>Writes the 32 bytes to the start of <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _w3);
    }

    /// <summary>A fresh array holding the bytes.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        CopyTo(bytes);
        return bytes;
    }

    /// <inheritdoc />
    public bool Equals(Bytes32 other)
    {
        Span<byte> left = stackalloc byte[Length];
        Span<byte> right = stackalloc byte[Length];
        CopyTo(left);
        other.CopyTo(right);
        return CryptographicOperations.FixedTimeEquals(left, right);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Bytes32 other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_w0, _w1, _w2, _w3);

    /// <inheritdoc />
    public override string ToString() => Convert.ToHexString(ToArray());

    /// <summary>Constant-time equality.</summary>
    public static bool operator ==(Bytes32 left, Bytes32 right) => left.Equals(right);

    /// <summary>Constant-time inequality.</summary>
    public static bool operator !=(Bytes32 left, Bytes32 right) => !left.Equals(right);
}
