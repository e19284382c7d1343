using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;

namespace RdmaOffload.Samples.StaticFileServer.Http;

/// <summary>How a connection ended: gracefully (output completed, FIN) or aborted (the transport should reset).</summary>
internal enum HttpConnectionEnd
{
    Graceful,
    Aborted,
}

/// <summary>
/// Serves HTTP/1.1 requests for static files on one duplex pipe: keep-alive, pipelining, GET/HEAD, single
/// ranges, conditional requests. Memory is bounded per connection: one head buffer of
/// <see cref="HttpLimits.MaxHeaderBytes"/>, and bodies go to the output pipe a chunk at a time.
/// </summary>
internal sealed partial class HttpConnection
{
    private readonly IDuplexPipe _transport;
    private readonly FileResolver _files;
    private readonly HttpLimits _limits;
    private readonly ILogger _logger;
    private readonly Action? _abortTransport;
    private readonly HttpRequestHead _head = new();
    private readonly byte[] _headBuffer;
    private long _bodyToDiscard;
    private long _consumed; // bytes of the current read buffer used so far
    private bool _moreRequestsBuffered; // bytes of a further request follow this one's head and body
    private bool _unflushed; // responses written but not yet flushed

    /// <param name="transport">The connection's pipes.</param>
    /// <param name="files">Where files come from.</param>
    /// <param name="limits">Limits and timeouts.</param>
    /// <param name="logger">For refused requests and failures (debug level).</param>
    /// <param name="abortTransport">Resets the transport (RST) when the connection is aborted, before its pipes complete.</param>
    public HttpConnection(IDuplexPipe transport, FileResolver files, HttpLimits limits, ILogger logger, Action? abortTransport = null)
    {
        _transport = transport;
        _abortTransport = abortTransport;
        _files = files;
        _limits = limits;
        _logger = logger;
        _headBuffer = new byte[limits.MaxHeaderBytes];
    }

    /// <summary>Serves requests until the client closes, a request asks to close, a timeout, an error or <paramref name="stopping"/>.</summary>
    public async Task<HttpConnectionEnd> RunAsync(CancellationToken stopping)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var end = HttpConnectionEnd.Aborted; // an unexpected exception must not end a half-sent response with FIN
        try
        {
            end = await ServeRequestsAsync(timer, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            StaticFileServerLog.ResponseStalled(_logger);
        }
        catch (OperationCanceledException)
        {
            // Shutting down in the middle of a response: reset rather than pretend it was whole.
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or ObjectDisposedException)
        {
            StaticFileServerLog.ConnectionFailed(_logger, e.Message);
        }
        finally
        {
            if (end == HttpConnectionEnd.Aborted)
            {
                _abortTransport?.Invoke();
            }

            await _transport.Input.CompleteAsync().ConfigureAwait(false);
            await _transport.Output.CompleteAsync(end == HttpConnectionEnd.Aborted ? new IOException("connection aborted") : null).ConfigureAwait(false);
        }

        return end;
    }

    private async Task<HttpConnectionEnd> ServeRequestsAsync(CancellationTokenSource timer, CancellationToken stopping)
    {
        var input = _transport.Input;
        long headDeadline = 0;
        while (true)
        {
            ReadResult result;
            var waitingForHead = headDeadline != 0;
            timer.CancelAfter(waitingForHead
                ? TimeSpan.FromMilliseconds(Math.Max(1, headDeadline - Environment.TickCount64))
                : _limits.IdleTimeout);
            try
            {
                result = await input.ReadAsync(timer.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                if (!waitingForHead || stopping.IsCancellationRequested)
                {
                    return HttpConnectionEnd.Graceful; // idle, or shutting down between requests: FIN, not RST
                }

                StaticFileServerLog.HeadersTimedOut(_logger);
                using var lastFlush = new CancellationTokenSource(_limits.ResponseStallTimeout);
                await WriteErrorAsync(408, keepAlive: false, isHttp11: true, lastFlush.Token).ConfigureAwait(false);
                return HttpConnectionEnd.Graceful;
            }

            var buffer = result.Buffer;
            var (keepGoing, end) = await ServeBufferedAsync(buffer, timer).ConfigureAwait(false);
            if (!keepGoing)
            {
                return end;
            }

            buffer = buffer.Slice(_consumed);
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return HttpConnectionEnd.Graceful;
            }

            // Part of a request (head, or a body being skipped) is buffered: the rest must come within the headers
            // timeout of its first byte, however slowly it trickles.
            headDeadline = buffer.IsEmpty && _bodyToDiscard == 0 ? 0
                : headDeadline != 0 ? headDeadline
                : Environment.TickCount64 + (long)_limits.HeadersTimeout.TotalMilliseconds;
        }
    }

    /// <summary>Serves every whole request in <paramref name="buffer"/>; sets <see cref="_consumed"/> to the bytes used.</summary>
    private async ValueTask<(bool KeepGoing, HttpConnectionEnd End)> ServeBufferedAsync(ReadOnlySequence<byte> buffer, CancellationTokenSource timer)
    {
        _consumed = 0;
        while (true)
        {
            if (_bodyToDiscard > 0)
            {
                var discarded = Math.Min(_bodyToDiscard, buffer.Length - _consumed);
                _consumed += discarded;
                _bodyToDiscard -= discarded;
                if (_bodyToDiscard > 0)
                {
                    return await FlushPendingAsync(timer).ConfigureAwait(false);
                }
            }

            var remaining = buffer.Slice(_consumed);
            if (remaining.IsEmpty)
            {
                return await FlushPendingAsync(timer).ConfigureAwait(false);
            }

            var parse = HttpRequestParser.Parse(HeadBytes(remaining), _head, _limits);
            if (parse.Status == HttpParseStatus.Incomplete)
            {
                return await FlushPendingAsync(timer).ConfigureAwait(false);
            }

            if (parse.Status == HttpParseStatus.Error)
            {
                StaticFileServerLog.BadRequest(_logger, parse.StatusCode, parse.Reason);
                timer.CancelAfter(_limits.ResponseStallTimeout);
                await WriteErrorAsync(parse.StatusCode, keepAlive: false, isHttp11: true, timer.Token).ConfigureAwait(false);
                return (false, HttpConnectionEnd.Graceful);
            }

            _consumed += parse.Consumed;
            if (_head.HasTransferEncoding || _head.ContentLength > _limits.MaxDiscardedBodyBytes)
            {
                timer.CancelAfter(_limits.ResponseStallTimeout);
                await WriteErrorAsync(413, keepAlive: false, _head.IsHttp11, timer.Token).ConfigureAwait(false);
                return (false, HttpConnectionEnd.Graceful);
            }

            _bodyToDiscard = Math.Max(0, _head.ContentLength);
            _moreRequestsBuffered = buffer.Length - _consumed > _bodyToDiscard;
            var outcome = await RespondAsync(timer).ConfigureAwait(false);
            if (outcome != ResponseOutcome.KeepAlive)
            {
                return (false, outcome == ResponseOutcome.Abort ? HttpConnectionEnd.Aborted : HttpConnectionEnd.Graceful);
            }
        }
    }

    /// <summary>Flushes responses held back for pipelining before the connection waits for more input.</summary>
    private async ValueTask<(bool KeepGoing, HttpConnectionEnd End)> FlushPendingAsync(CancellationTokenSource timer)
    {
        if (_unflushed && await FlushAsync(timer).ConfigureAwait(false) == ResponseOutcome.Abort)
        {
            return (false, HttpConnectionEnd.Aborted);
        }

        return (true, HttpConnectionEnd.Graceful);
    }

    /// <summary>The head's bytes as one span: the first segment when it holds enough, else a copy into the head buffer.</summary>
    private ReadOnlySpan<byte> HeadBytes(ReadOnlySequence<byte> buffer)
    {
        var first = buffer.FirstSpan;
        if (first.Length >= _headBuffer.Length || buffer.IsSingleSegment)
        {
            return first.Length > _headBuffer.Length ? first[.._headBuffer.Length] : first;
        }

        var length = (int)Math.Min(buffer.Length, _headBuffer.Length);
        buffer.Slice(0, length).CopyTo(_headBuffer);
        return _headBuffer.AsSpan(0, length);
    }
}
