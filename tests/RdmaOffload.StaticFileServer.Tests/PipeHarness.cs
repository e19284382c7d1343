using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using RdmaOffload.Samples.StaticFileServer.Http;

namespace RdmaOffload.StaticFileServer.Tests;

/// <summary>One <see cref="HttpConnection"/> over an in-memory pipe pair; the test plays the client.</summary>
internal sealed class PipeHarness : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly Pipe _toServer = new();
    private readonly Pipe _fromServer = new(new PipeOptions(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024));

    public PipeHarness(string root, HttpLimits? limits = null, CancellationToken stopping = default)
    {
        var transport = new DuplexPipe(_toServer.Reader, _fromServer.Writer);
        Running = Task.Run(() => new HttpConnection(transport, new FileResolver(root), limits ?? new HttpLimits(), NullLogger.Instance).RunAsync(stopping));
    }

    public Task<HttpConnectionEnd> Running { get; }

    public async Task SendAsync(string request) => await SendAsync(Encoding.Latin1.GetBytes(request));

    public async Task SendAsync(byte[] request)
    {
        await _toServer.Writer.WriteAsync(request);
    }

    public async Task FinishSendingAsync() => await _toServer.Writer.CompleteAsync();

    /// <summary>Sends one request and reads one response.</summary>
    public async Task<HttpResponse> ExchangeAsync(string request, bool isHead = false)
    {
        await SendAsync(request);
        return await ReadResponseAsync(isHead);
    }

    /// <summary>Reads one whole response (head, then Content-Length bytes unless HEAD or 304).</summary>
    public async Task<HttpResponse> ReadResponseAsync(bool isHead = false)
    {
        var reader = _fromServer.Reader;
        using var timeout = new CancellationTokenSource(Timeout);
        HttpResponse? response = null;
        while (true)
        {
            var result = await reader.ReadAsync(timeout.Token);
            var buffer = result.Buffer;
            if (response is null && HttpResponse.TryParseHead(ref buffer, out response))
            {
                // head consumed from buffer
            }

            if (response is not null)
            {
                var wanted = isHead || response.StatusCode == 304 ? 0 : response.ContentLength;
                if (buffer.Length >= wanted)
                {
                    response.Body = buffer.Slice(0, wanted).ToArray();
                    reader.AdvanceTo(buffer.GetPosition(wanted));
                    return response;
                }
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new EndOfStreamException($"The server closed after {buffer.Length} bytes without a whole response.");
            }
        }
    }

    /// <summary>Whatever the server's first flush made available, as text (consumed).</summary>
    public async Task<string> ReadOneFlushAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var result = await _fromServer.Reader.ReadAsync(timeout.Token);
        var text = Encoding.Latin1.GetString(result.Buffer.ToArray());
        _fromServer.Reader.AdvanceTo(result.Buffer.End);
        return text;
    }

    /// <summary>True when the server closed its output with no further bytes.</summary>
    public async Task<bool> ServerClosedAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var result = await _fromServer.Reader.ReadAsync(timeout.Token);
        var closed = result.IsCompleted && result.Buffer.IsEmpty;
        _fromServer.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        return closed;
    }

    public async ValueTask DisposeAsync()
    {
        await _toServer.Writer.CompleteAsync();
        await _fromServer.Reader.CompleteAsync();
        await Running.WaitAsync(Timeout);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}

/// <summary>One parsed response (the test's own small parser, independent of the server's code).</summary>
internal sealed class HttpResponse
{
    public string StatusLine { get; private set; } = "";

    public int StatusCode { get; private set; }

    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public long ContentLength => Headers.TryGetValue("Content-Length", out var value) ? long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    public byte[] Body { get; set; } = [];

    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>Parses a head from the start of <paramref name="buffer"/>, slicing it off on success.</summary>
    public static bool TryParseHead(ref ReadOnlySequence<byte> buffer, out HttpResponse? response)
    {
        response = null;
        var bytes = buffer.ToArray();
        var text = Encoding.Latin1.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var lines = text[..end].Split("\r\n");
        response = new HttpResponse { StatusLine = lines[0] };
        response.StatusCode = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            response.Headers[line[..colon]] = line[(colon + 1)..].Trim();
        }

        buffer = buffer.Slice(end + 4);
        return true;
    }
}
