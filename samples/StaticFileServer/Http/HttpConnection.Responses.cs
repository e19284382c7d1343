using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace RdmaOffload.Samples.StaticFileServer.Http;

/// <summary>Responses: files (whole, ranges, conditional) and the small error responses.</summary>
internal sealed partial class HttpConnection
{
    private enum ResponseOutcome
    {
        KeepAlive,
        Close,
        Abort,
    }

    private async ValueTask<ResponseOutcome> RespondAsync(CancellationTokenSource timer)
    {
        var head = _head;
        timer.CancelAfter(_limits.ResponseStallTimeout);
        if (head.Method == HttpMethodKind.Other)
        {
            return await ErrorAsync(405, timer).ConfigureAwait(false);
        }

        if (!RequestPath.TryDecode(head.Target, out var relativePath, out var reason))
        {
            StaticFileServerLog.BadRequest(_logger, 400, reason);
            head.KeepAlive = false;
            return await ErrorAsync(400, timer).ConfigureAwait(false);
        }

        var path = _files.Resolve(relativePath);
        if (path is null)
        {
            return await ErrorAsync(404, timer).ConfigureAwait(false);
        }

        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (UnauthorizedAccessException)
        {
            return await ErrorAsync(403, timer).ConfigureAwait(false);
        }
        catch (IOException)
        {
            return await ErrorAsync(404, timer).ConfigureAwait(false);
        }

        using (file)
        {
            return await SendFileAsync(file, path, timer).ConfigureAwait(false);
        }
    }

    private async ValueTask<ResponseOutcome> SendFileAsync(SafeFileHandle file, string path, CancellationTokenSource timer)
    {
        var head = _head;
        var length = RandomAccess.GetLength(file);
        var lastModified = TruncateToSeconds(File.GetLastWriteTimeUtc(file));
        var etag = EntityTag(lastModified, length);
        if (IsNotModified(etag, lastModified))
        {
            var notModified = new ResponseHeadWriter(_transport.Output, 304, head.KeepAlive, head.IsHttp11);
            notModified.Header("ETag"u8, etag);
            notModified.DateHeader("Last-Modified"u8, lastModified);
            notModified.Commit();
            return await EndResponseAsync(timer).ConfigureAwait(false);
        }

        var range = head.IfRange is null || head.IfRange == etag || head.IfRange == lastModified.ToString("R", CultureInfo.InvariantCulture)
            ? ByteRange.Resolve(head.Range, length)
            : new ByteRange(RangeKind.Whole, 0, length - 1);
        if (range.Kind == RangeKind.Unsatisfiable)
        {
            var refused = new ResponseHeadWriter(_transport.Output, 416, head.KeepAlive, head.IsHttp11);
            refused.ContentRange(-1, -1, length);
            refused.Header("Content-Length"u8, 0);
            refused.Commit();
            return await EndResponseAsync(timer).ConfigureAwait(false);
        }

        var writer = new ResponseHeadWriter(_transport.Output, range.Kind == RangeKind.Partial ? 206 : 200, head.KeepAlive, head.IsHttp11);
        writer.Header("Content-Type"u8, ContentTypes.ForPath(path));
        writer.Header("Content-Length"u8, range.Length);
        if (range.Kind == RangeKind.Partial)
        {
            writer.ContentRange(range.First, range.Last, length);
        }

        writer.Header("Accept-Ranges"u8, "bytes");
        writer.Header("ETag"u8, etag);
        writer.DateHeader("Last-Modified"u8, lastModified);
        writer.Commit();
        if (head.Method == HttpMethodKind.Head || range.Length == 0)
        {
            return await EndResponseAsync(timer).ConfigureAwait(false);
        }

        return await SendBodyAsync(file, range.First, range.Length, timer).ConfigureAwait(false);
    }

    /// <summary>Reads the file a chunk at a time straight into the output pipe's memory; each flush is the back-pressure.</summary>
    private async ValueTask<ResponseOutcome> SendBodyAsync(SafeFileHandle file, long offset, long remaining, CancellationTokenSource timer)
    {
        var output = _transport.Output;
        while (remaining > 0)
        {
            var memory = output.GetMemory((int)Math.Min(_limits.ChunkSize, remaining));
            var want = (int)Math.Min(Math.Min(memory.Length, _limits.ChunkSize), remaining);
            var read = RandomAccess.Read(file, memory.Span[..want], offset);
            if (read == 0)
            {
                // The file shrank under us: the promised Content-Length cannot be met, so the client must see a reset.
                StaticFileServerLog.FileChanged(_logger);
                return ResponseOutcome.Abort;
            }

            output.Advance(read);
            offset += read;
            remaining -= read;
            var outcome = remaining == 0 ? await EndResponseAsync(timer).ConfigureAwait(false) : await FlushAsync(timer).ConfigureAwait(false);
            if (outcome == ResponseOutcome.Abort || remaining == 0)
            {
                return outcome;
            }
        }

        return ResponseOutcome.KeepAlive;
    }

    private async ValueTask<ResponseOutcome> ErrorAsync(int statusCode, CancellationTokenSource timer)
    {
        WriteError(statusCode, _head.KeepAlive, _head.IsHttp11);
        return await EndResponseAsync(timer).ConfigureAwait(false);
    }

    private async ValueTask WriteErrorAsync(int statusCode, bool keepAlive, bool isHttp11, CancellationToken cancellationToken)
    {
        WriteError(statusCode, keepAlive, isHttp11);
        await _transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private void WriteError(int statusCode, bool keepAlive, bool isHttp11)
    {
        var writer = new ResponseHeadWriter(_transport.Output, statusCode, keepAlive, isHttp11);
        var body = ResponseHeadWriter.ReasonPhrase(statusCode);
        writer.Header("Content-Type"u8, "text/plain; charset=utf-8");
        writer.Header("Content-Length"u8, body.Length + 1);
        if (statusCode == 405)
        {
            writer.Header("Allow"u8, "GET, HEAD");
        }

        writer.Commit();
        if (_head.Method != HttpMethodKind.Head || statusCode is 400 or 408 or 413 or 414 or 431 or 505)
        {
            var span = _transport.Output.GetSpan(body.Length + 1);
            body.CopyTo(span);
            span[body.Length] = (byte)'\n';
            _transport.Output.Advance(body.Length + 1);
        }
    }

    /// <summary>
    /// Ends a response: flushes it, unless another pipelined request is already buffered, in which case the
    /// responses are flushed together (before the connection next waits for input).
    /// </summary>
    private async ValueTask<ResponseOutcome> EndResponseAsync(CancellationTokenSource timer)
    {
        if (_moreRequestsBuffered && _head.KeepAlive)
        {
            _unflushed = true;
            return ResponseOutcome.KeepAlive;
        }

        return await FlushAsync(timer).ConfigureAwait(false);
    }

    private async ValueTask<ResponseOutcome> FlushAsync(CancellationTokenSource timer)
    {
        _unflushed = false;
        timer.CancelAfter(_limits.ResponseStallTimeout);
        var flush = await _transport.Output.FlushAsync(timer.Token).ConfigureAwait(false);
        if (flush.IsCompleted)
        {
            return ResponseOutcome.Abort; // the transport stopped reading: the client is gone
        }

        return _head.KeepAlive ? ResponseOutcome.KeepAlive : ResponseOutcome.Close;
    }

    private bool IsNotModified(string etag, DateTime lastModified)
    {
        if (_head.IfNoneMatch is { } ifNoneMatch)
        {
            foreach (var candidate in ifNoneMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (candidate == "*" || (candidate.StartsWith("W/", StringComparison.Ordinal) ? candidate[2..] : candidate) == etag)
                {
                    return true;
                }
            }

            return false;
        }

        return _head.IfModifiedSince is { } since
            && DateTime.TryParseExact(since, "R", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var sinceUtc)
            && lastModified <= sinceUtc;
    }

    private static string EntityTag(DateTime lastModified, long length) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{lastModified.Ticks / TimeSpan.TicksPerSecond:x}-{length:x}\"");

    private static DateTime TruncateToSeconds(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}
