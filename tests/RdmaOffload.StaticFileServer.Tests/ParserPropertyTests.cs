using System.Text;
using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Samples.StaticFileServer.Http;

namespace RdmaOffload.StaticFileServer.Tests;

/// <summary>The request parser and path decoder on arbitrary and on generated input.</summary>
public sealed class ParserPropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(5000);
    private static readonly HttpLimits Limits = new() { MaxRequestLineBytes = 256, MaxHeaderBytes = 1024, MaxHeaderCount = 8 };
    private static readonly int[] ParserStatuses = [400, 414, 431, 505];

    [Test]
    public void Arbitrary_bytes_never_throw_and_yield_a_request_or_a_definite_error() =>
        Prop.ForAll<byte[]>(bytes =>
        {
            var head = new HttpRequestHead();
            var result = HttpRequestParser.Parse(bytes, head, Limits);
            return result.Status switch
            {
                HttpParseStatus.Complete => result.Consumed > 0 && result.Consumed <= bytes.Length && result.Consumed <= Limits.MaxHeaderBytes,
                HttpParseStatus.Incomplete => bytes.Length < Limits.MaxHeaderBytes,
                _ => ParserStatuses.Contains(result.StatusCode) && result.Reason.Length > 0,
            };
        }).Check(Config);

    [Test]
    public void Request_like_bytes_never_throw() =>
        Prop.ForAll(RequestLikeBytes().ToArbitrary(), bytes =>
        {
            var result = HttpRequestParser.Parse(bytes, new HttpRequestHead(), Limits);
            if (result.Status == HttpParseStatus.Complete)
            {
                return result.Consumed <= bytes.Length;
            }

            return result.Status == HttpParseStatus.Incomplete || ParserStatuses.Contains(result.StatusCode);
        }).Check(Config);

    [Test]
    public void Generated_requests_round_trip_and_every_prefix_is_incomplete() =>
        Prop.ForAll(Requests().ToArbitrary(), request =>
        {
            var bytes = Encoding.ASCII.GetBytes(request.Text + "NEXT");
            var head = new HttpRequestHead();
            var result = HttpRequestParser.Parse(bytes, head, new HttpLimits());
            var ok = result.Status == HttpParseStatus.Complete
                && result.Consumed == bytes.Length - 4
                && head.Method == request.Method
                && head.Target == request.Target
                && head.IsHttp11 == request.IsHttp11
                && head.KeepAlive == request.ExpectKeepAlive
                && head.Range == request.Range
                && head.ContentLength == -1;
            for (var cut = 0; ok && cut < bytes.Length - 4; cut += 3)
            {
                ok = HttpRequestParser.Parse(bytes.AsSpan(0, cut), head, new HttpLimits()).Status == HttpParseStatus.Incomplete;
            }

            return ok;
        }).Check(Config.WithMaxTest(1000));

    [Test]
    public void Path_decoder_never_throws_and_never_yields_dot_segments_backslashes_or_controls() =>
        Prop.ForAll(PathLike().ToArbitrary(), target =>
        {
            if (!RequestPath.TryDecode(target, out var relative, out var reason))
            {
                return reason.Length > 0;
            }

            var segments = relative.Split('/');
            return !relative.StartsWith('/') && !relative.Contains('\\', StringComparison.Ordinal) && !relative.Any(char.IsControl)
                && (relative.Length == 0 || segments.All(s => s.Length > 0 && s != "." && s != ".."));
        }).Check(Config);

    private sealed record GeneratedRequest(string Text, HttpMethodKind Method, string Target, bool IsHttp11, bool ExpectKeepAlive, string? Range);

    private static Gen<GeneratedRequest> Requests() =>
        from method in Gen.Elements(("GET", HttpMethodKind.Get), ("HEAD", HttpMethodKind.Head), ("POST", HttpMethodKind.Other), ("PURGE", HttpMethodKind.Other))
        from segments in Generators.Between(Gen.Elements("a", "b%20c", "index.html", "x.y", "%E2%82%AC", "~u"), 0, 4)
        from isHttp11 in Gen.Elements(true, false)
        from connection in Gen.Elements<string?>(null, "close", "keep-alive", "Keep-Alive, Upgrade", "upgrade")
        from range in Gen.Elements<string?>(null, "bytes=0-1", "bytes=-5")
        from extras in Generators.Between(Gen.Elements("Accept: */*", "User-Agent: t/1", "X-Empty:", "X-Tab:\tv\t"), 0, 3)
        select Build(method, "/" + string.Join('/', segments), isHttp11, connection, range, extras);

    private static GeneratedRequest Build((string Name, HttpMethodKind Kind) method, string target, bool isHttp11, string? connection, string? range, IEnumerable<string> extras)
    {
        var text = new StringBuilder($"{method.Name} {target} HTTP/1.{(isHttp11 ? 1 : 0)}\r\nHost: h\r\n");
        foreach (var extra in extras)
        {
            text.Append(extra).Append("\r\n");
        }

        if (connection is not null)
        {
            text.Append("Connection: ").Append(connection).Append("\r\n");
        }

        if (range is not null)
        {
            text.Append("Range: ").Append(range).Append("\r\n");
        }

        text.Append("\r\n");
        var close = connection?.Contains("close", StringComparison.OrdinalIgnoreCase) ?? false;
        var keepAlive = connection?.Contains("keep-alive", StringComparison.OrdinalIgnoreCase) ?? false;
        return new GeneratedRequest(text.ToString(), method.Kind, target, isHttp11, isHttp11 ? !close : keepAlive && !close, range);
    }

    /// <summary>Bytes drawn mostly from HTTP's own alphabet, so many inputs get deep into the parser.</summary>
    private static Gen<byte[]> RequestLikeBytes()
    {
        var pieces = Gen.Elements("GET", "HEAD", " ", "/", "\r\n", "\r", "\n", ":", "Host", "HTTP/1.1", "HTTP/1.0", "HTTP/9.9",
            "Content-Length", "Transfer-Encoding", "Connection", "close", "Range", "bytes=0-", "0", "99999999999999999999", "\t", "\0", "\u00ff", "a");
        return Generators.Between(pieces, 0, 80).Select(list => Encoding.Latin1.GetBytes(string.Concat(list)));
    }

    private static Gen<string> PathLike()
    {
        var pieces = Gen.Elements("/", ".", "..", "%2e", "%2E", "%2f", "%5c", "\\", "%00", "%", "%g", "a", "%C3%BC", "%C3", "?", "#", "%25", "http://h", "//");
        return Generators.Between(pieces, 0, 12).Select(list => string.Concat(list));
    }
}
