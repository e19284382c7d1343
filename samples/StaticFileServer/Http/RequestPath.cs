using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace RdmaOffload.Samples.StaticFileServer.Http;

/// <summary>
/// Turns a request-target into a path relative to the served root, or refuses it. Percent-escapes are decoded
/// once; the decoded path must be UTF-8 without control characters or backslashes, and may not contain "." or
/// ".." segments at all (they are refused, not normalised, so no spelling of them reaches the file system).
/// </summary>
internal static class RequestPath
{
    /// <summary>Decodes <paramref name="target"/>; on success <paramref name="relativePath"/> is "a/b/c" (empty for the root).</summary>
    public static bool TryDecode(string target, out string relativePath, out string reason)
    {
        relativePath = "";
        var path = target.AsSpan();
        if (path.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || path.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            // absolute-form: drop scheme and authority.
            var afterScheme = path[(path.IndexOf("://", StringComparison.Ordinal) + 3)..];
            var slash = afterScheme.IndexOf('/');
            path = slash < 0 ? "/" : afterScheme[slash..];
        }

        var query = path.IndexOfAny('?', '#');
        if (query >= 0)
        {
            path = path[..query];
        }

        if (path.IsEmpty || path[0] != '/')
        {
            reason = "request target is not an absolute path";
            return false;
        }

        byte[]? rented = null;
        var decoded = path.Length <= 512 ? stackalloc byte[path.Length] : (rented = ArrayPool<byte>.Shared.Rent(path.Length));
        try
        {
            if (!TryPercentDecode(path, decoded, out var length, out reason))
            {
                return false;
            }

            return TryBuildRelative(decoded[..length], out relativePath, out reason);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool TryPercentDecode(ReadOnlySpan<char> path, Span<byte> decoded, out int length, out string reason)
    {
        length = 0;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '%')
            {
                if (i + 2 >= path.Length || !char.IsAsciiHexDigit(path[i + 1]) || !char.IsAsciiHexDigit(path[i + 2]))
                {
                    reason = "malformed percent-escape";
                    return false;
                }

                decoded[length++] = (byte)((HexValue(path[i + 1]) << 4) | HexValue(path[i + 2]));
                i += 2;
            }
            else
            {
                decoded[length++] = (byte)c;
            }
        }

        reason = "";
        return true;
    }

    private static bool TryBuildRelative(ReadOnlySpan<byte> decoded, out string relativePath, out string reason)
    {
        relativePath = "";
        if (!Utf8.IsValid(decoded))
        {
            reason = "path is not UTF-8";
            return false;
        }

        foreach (var b in decoded)
        {
            if (b is < 0x20 or 0x7F or (byte)'\\')
            {
                reason = b == (byte)'\\' ? "backslash in path" : "control character in path";
                return false;
            }
        }

        var builder = new StringBuilder(decoded.Length);
        foreach (var range in decoded.Split((byte)'/'))
        {
            var segment = decoded[range];
            if (segment.IsEmpty)
            {
                continue;
            }

            if (segment.SequenceEqual("."u8) || segment.SequenceEqual(".."u8))
            {
                reason = "dot segment in path";
                return false;
            }

            if (builder.Length > 0)
            {
                builder.Append('/');
            }

            builder.Append(Encoding.UTF8.GetString(segment));
        }

        relativePath = builder.ToString();
        reason = "";
        return true;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
