using System.Text;

namespace RdmaOffload.Samples.StaticFileServer.Http;

/// <summary>Header fields: syntax checks and the handful of fields the server acts on.</summary>
internal static partial class HttpRequestParser
{
    private static HttpParseResult ParseField(ReadOnlySpan<byte> line, HttpRequestHead head, ref bool hostSeen, ref bool close, ref bool keepAlive)
    {
        if (line[0] is (byte)' ' or (byte)'\t')
        {
            return HttpParseResult.Error(400, "obsolete line folding");
        }

        var colon = line.IndexOf((byte)':');
        if (colon <= 0 || !IsToken(line[..colon]))
        {
            return HttpParseResult.Error(400, "malformed header field name");
        }

        var name = line[..colon];
        var value = TrimWhitespace(line[(colon + 1)..]);
        foreach (var b in value)
        {
            if (b is < 0x20 and not (byte)'\t' or 0x7F)
            {
                return HttpParseResult.Error(400, "control character in header field value");
            }
        }

        if (Ascii.EqualsIgnoreCase(name, "host"u8))
        {
            if (hostSeen)
            {
                return HttpParseResult.Error(400, "more than one Host");
            }

            hostSeen = true;
        }
        else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
        {
            ReadConnectionOptions(value, ref close, ref keepAlive);
        }
        else if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
        {
            if (!TryParseLength(value, out var length) || (head.ContentLength >= 0 && head.ContentLength != length))
            {
                return HttpParseResult.Error(400, "invalid Content-Length");
            }

            head.ContentLength = length;
        }
        else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
        {
            head.HasTransferEncoding = true;
        }
        else if (Ascii.EqualsIgnoreCase(name, "range"u8))
        {
            head.Range = Latin1(value);
        }
        else if (Ascii.EqualsIgnoreCase(name, "if-range"u8))
        {
            head.IfRange = Latin1(value);
        }
        else if (Ascii.EqualsIgnoreCase(name, "if-none-match"u8))
        {
            head.IfNoneMatch = head.IfNoneMatch is null ? Latin1(value) : head.IfNoneMatch + ", " + Latin1(value);
        }
        else if (Ascii.EqualsIgnoreCase(name, "if-modified-since"u8))
        {
            head.IfModifiedSince = Latin1(value);
        }

        return HttpParseResult.Complete(0);
    }

    private static void ReadConnectionOptions(ReadOnlySpan<byte> value, ref bool close, ref bool keepAlive)
    {
        while (!value.IsEmpty)
        {
            var comma = value.IndexOf((byte)',');
            var option = TrimWhitespace(comma < 0 ? value : value[..comma]);
            value = comma < 0 ? [] : value[(comma + 1)..];
            close |= Ascii.EqualsIgnoreCase(option, "close"u8);
            keepAlive |= Ascii.EqualsIgnoreCase(option, "keep-alive"u8);
        }
    }

    /// <summary>1*DIGIT, saturating at <see cref="long.MaxValue"/> (a length that large is refused anyway).</summary>
    private static bool TryParseLength(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var b in value)
        {
            if (!char.IsAsciiDigit((char)b))
            {
                return false;
            }

            length = length > (long.MaxValue - 9) / 10 ? long.MaxValue : (length * 10) + (b - '0');
        }

        return true;
    }

    private static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> value)
    {
        var start = 0;
        while (start < value.Length && value[start] is (byte)' ' or (byte)'\t')
        {
            start++;
        }

        var end = value.Length;
        while (end > start && value[end - 1] is (byte)' ' or (byte)'\t')
        {
            end--;
        }

        return value[start..end];
    }

    /// <summary>tchar (RFC 9110 5.6.2): visible ASCII except delimiters.</summary>
    private static bool IsToken(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b is <= 0x20 or >= 0x7F || "\"(),/:;<=>?@[\\]{}"u8.Contains(b))
            {
                return false;
            }
        }

        return true;
    }

    private static string Latin1(ReadOnlySpan<byte> value) => Encoding.Latin1.GetString(value);
}
