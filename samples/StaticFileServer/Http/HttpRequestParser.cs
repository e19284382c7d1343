using System.Text;

namespace RdmaOffload.Samples.StaticFileServer.Http;

/// <summary>
/// A checked parser of HTTP/1.x request heads (RFC 9112): never throws, never reads past the span, and answers
/// every malformed or oversized head with a definite status. Lines end in CRLF; obsolete line folding, whitespace
/// before a colon, control characters, conflicting lengths and a missing HTTP/1.1 Host are refused.
/// </summary>
internal static partial class HttpRequestParser
{
    /// <summary>Parses the request head at the start of <paramref name="data"/> into <paramref name="head"/>.</summary>
    /// <param name="data">Buffered bytes (callers pass at most <see cref="HttpLimits.MaxHeaderBytes"/> of them).</param>
    /// <param name="head">Reset and filled in.</param>
    /// <param name="limits">Size limits.</param>
    /// <returns>Incomplete, Complete with the head's length, or Error with the status to answer.</returns>
    public static HttpParseResult Parse(ReadOnlySpan<byte> data, HttpRequestHead head, HttpLimits limits)
    {
        head.Reset();
        var lineEnd = data.IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            return data.Length >= limits.MaxRequestLineBytes
                ? HttpParseResult.Error(414, "request line too long")
                : HttpParseResult.Incomplete;
        }

        if (lineEnd > limits.MaxRequestLineBytes)
        {
            return HttpParseResult.Error(414, "request line too long");
        }

        var requestLine = ParseRequestLine(data[..lineEnd], head);
        if (requestLine.Status == HttpParseStatus.Error)
        {
            return requestLine;
        }

        return ParseHeaders(data, lineEnd + 1, head, limits);
    }

    private static HttpParseResult ParseRequestLine(ReadOnlySpan<byte> line, HttpRequestHead head)
    {
        if (line.Length == 0 || line[^1] != (byte)'\r')
        {
            return HttpParseResult.Error(400, "request line not ended by CRLF");
        }

        line = line[..^1];
        var firstSpace = line.IndexOf((byte)' ');
        if (firstSpace <= 0 || !IsToken(line[..firstSpace]))
        {
            return HttpParseResult.Error(400, "malformed method");
        }

        var method = line[..firstSpace];
        var rest = line[(firstSpace + 1)..];
        var secondSpace = rest.IndexOf((byte)' ');
        if (secondSpace <= 0)
        {
            return HttpParseResult.Error(400, "malformed request line");
        }

        var target = rest[..secondSpace];
        var version = rest[(secondSpace + 1)..];
        foreach (var b in target)
        {
            if (b is < 0x21 or > 0x7E)
            {
                return HttpParseResult.Error(400, "invalid character in request target");
            }
        }

        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || !char.IsAsciiDigit((char)version[5]) || version[6] != (byte)'.'
            || !char.IsAsciiDigit((char)version[7]))
        {
            return HttpParseResult.Error(400, "malformed HTTP version");
        }

        if (version[5] != (byte)'1')
        {
            return HttpParseResult.Error(505, "HTTP version not supported");
        }

        head.IsHttp11 = version[7] != (byte)'0';
        head.Method = method.SequenceEqual("GET"u8) ? HttpMethodKind.Get
            : method.SequenceEqual("HEAD"u8) ? HttpMethodKind.Head
            : HttpMethodKind.Other;
        head.Target = Encoding.ASCII.GetString(target);
        return HttpParseResult.Complete(0);
    }

    private static HttpParseResult ParseHeaders(ReadOnlySpan<byte> data, int position, HttpRequestHead head, HttpLimits limits)
    {
        var hostSeen = false;
        var close = false;
        var keepAlive = false;
        while (true)
        {
            var lineLength = data[position..].IndexOf((byte)'\n');
            if (lineLength < 0)
            {
                return data.Length >= limits.MaxHeaderBytes
                    ? HttpParseResult.Error(431, "request header fields too large")
                    : HttpParseResult.Incomplete;
            }

            var line = data.Slice(position, lineLength);
            position += lineLength + 1;
            if (position > limits.MaxHeaderBytes)
            {
                return HttpParseResult.Error(431, "request header fields too large");
            }

            if (line.Length == 0 || line[^1] != (byte)'\r')
            {
                return HttpParseResult.Error(400, "header line not ended by CRLF");
            }

            line = line[..^1];
            if (line.Length == 0)
            {
                break;
            }

            if (++head.HeaderCount > limits.MaxHeaderCount)
            {
                return HttpParseResult.Error(431, "too many header fields");
            }

            var field = ParseField(line, head, ref hostSeen, ref close, ref keepAlive);
            if (field.Status == HttpParseStatus.Error)
            {
                return field;
            }
        }

        if (head.IsHttp11 && !hostSeen)
        {
            return HttpParseResult.Error(400, "HTTP/1.1 request without Host");
        }

        if (head.HasTransferEncoding && head.ContentLength >= 0)
        {
            return HttpParseResult.Error(400, "both Content-Length and Transfer-Encoding");
        }

        head.KeepAlive = head.IsHttp11 ? !close : keepAlive && !close;
        return HttpParseResult.Complete(position);
    }
}
