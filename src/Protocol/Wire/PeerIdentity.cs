using System.Text;
using System.Text.Unicode;

namespace RdmaOffload.Protocol.Wire;

/// <summary>
/// Identities (host and adapter names) travel as a one-byte length followed by 1–<see cref="MaxLength"/> bytes of
/// well-formed UTF-8 without control characters (they end up in logs and metrics labels).
/// </summary>
public static class PeerIdentity
{
    /// <summary>Longest identity in UTF-8 bytes.</summary>
    public const int MaxLength = 64;

    /// <summary>Whether <paramref name="identity"/> is encodable.</summary>
    public static bool IsValid(string? identity)
    {
        if (string.IsNullOrEmpty(identity) || identity.Length > MaxLength)
        {
            return false;
        }

        // Lone surrogates would be silently replaced by the encoder; refuse them instead.
        return HasOnlyPairedSurrogates(identity) && !HasControlCharacters(identity)
            && Encoding.UTF8.GetByteCount(identity) <= MaxLength;
    }

    /// <summary>Encoded length including the length byte.</summary>
    internal static int EncodedLength(string identity) => 1 + Encoding.UTF8.GetByteCount(identity);

    internal static int Write(Span<byte> destination, string identity)
    {
        var count = Encoding.UTF8.GetBytes(identity, destination[1..]);
        destination[0] = (byte)count;
        return 1 + count;
    }

    /// <summary>Reads a length-prefixed identity that must end exactly at the end of <paramref name="source"/>.</summary>
    internal static DecodeStatus TryReadToEnd(ReadOnlySpan<byte> source, out string identity)
    {
        identity = string.Empty;
        if (source.IsEmpty)
        {
            return DecodeStatus.BodyLengthMismatch;
        }

        int length = source[0];
        if (source.Length != 1 + length)
        {
            return DecodeStatus.BodyLengthMismatch;
        }

        var bytes = source[1..];
        if (length is 0 or > MaxLength || !Utf8.IsValid(bytes))
        {
            return DecodeStatus.MalformedIdentity;
        }

        var decoded = Encoding.UTF8.GetString(bytes);
        if (HasControlCharacters(decoded))
        {
            return DecodeStatus.MalformedIdentity;
        }

        identity = decoded;
        return DecodeStatus.Ok;
    }

    private static bool HasControlCharacters(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasOnlyPairedSurrogates(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }
}
