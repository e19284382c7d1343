using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using RdmaOffload.Accelerated.Tests;
using RdmaOffload.NetStack.Api;
using RdmaOffload.NetStack.Tcp;

namespace RdmaOffload.Kestrel.Tests;

/// <summary>
/// An HTTP/1.1 client on the in-memory client NetStack: one TCP connection, requests written in order, responses
/// parsed (Content-Length or chunked). Everything touching the TCP connection runs on the link's thread.
/// </summary>
internal sealed class NetStackHttpClient : ITcpConnectionHandler
{
    private readonly InMemoryLink _link;
    private readonly Pipe _received = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private readonly TaskCompletionSource<TcpCloseReason> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _sent = new byte[64 * 1024]; // link thread: every byte ever sent (retransmissions read from it)
    private long _sentLength; // link thread
    private long _declared; // link thread: bytes handed to TCP
    private TcpConnection? _tcp;

    private NetStackHttpClient(InMemoryLink link) => _link = link;

    public Task<TcpCloseReason> Closed => _closed.Task;

    public static async Task<NetStackHttpClient> ConnectAsync(InMemoryLink link, ushort port)
    {
        var client = new NetStackHttpClient(link);
        await link.ConnectAsync(port, client);
        return client;
    }

    public Task SendAsync(ReadOnlyMemory<byte> bytes) => _link.InvokeAsync(() =>
    {
        if (_sentLength + bytes.Length > _sent.Length)
        {
            Array.Resize(ref _sent, (int)Math.Max(_sent.Length * 2, _sentLength + bytes.Length));
        }

        bytes.Span.CopyTo(_sent.AsSpan((int)_sentLength));
        _sentLength += bytes.Length;
        DeclareSendData();
        return true;
    });

    public Task SendRequestAsync(string method, string path, ReadOnlyMemory<byte> body = default, string? extraHeaders = null)
    {
        var head = $"{method} {path} HTTP/1.1\r\nHost: adapter\r\n{extraHeaders}";
        if (method != "GET")
        {
            head += $"Content-Length: {body.Length}\r\n";
        }

        var bytes = Encoding.ASCII.GetBytes(head + "\r\n").Concat(body.ToArray()).ToArray();
        return SendAsync(bytes);
    }

    public async Task<HttpResponse> GetAsync(string path)
    {
        await SendRequestAsync("GET", path);
        return await ReadResponseAsync();
    }

    /// <summary>Sends RST.</summary>
    public void Abort() => _link.Post(() => _tcp?.Abort());

    /// <summary>Sends FIN.</summary>
    public void Finish() => _link.Post(() => _tcp?.CloseSend());

    /// <summary>Reads the next response on the connection.</summary>
    public async Task<HttpResponse> ReadResponseAsync()
    {
        var reader = _received.Reader;
        var head = await ReadUntilAsync(reader, "\r\n\r\n"u8.ToArray());
        var lines = Encoding.ASCII.GetString(head).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        byte[] body;
        if (headers.TryGetValue("Content-Length", out var length))
        {
            body = await ReadExactlyAsync(reader, long.Parse(length, System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            using var chunks = new MemoryStream();
            while (true)
            {
                var sizeLine = Encoding.ASCII.GetString(await ReadUntilAsync(reader, "\r\n"u8.ToArray()));
                var size = Convert.ToInt64(sizeLine.Split(';')[0].Trim(), 16);
                if (size == 0)
                {
                    _ = await ReadUntilAsync(reader, "\r\n"u8.ToArray());
                    break;
                }

                chunks.Write(await ReadExactlyAsync(reader, size));
                _ = await ReadExactlyAsync(reader, 2);
            }

            body = chunks.ToArray();
        }
        else
        {
            body = [];
        }

        return new HttpResponse(status, headers, body);
    }

    public void OnConnected(TcpConnection connection)
    {
        _tcp = connection;
        DeclareSendData();
    }

    public void OnDataReceived(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        _received.Writer.Write(data);
        var flush = _received.Writer.FlushAsync(); // no pause threshold: completes at once
        if (!flush.IsCompleted)
        {
            throw new InvalidOperationException("the receive pipe paused");
        }

        _ = flush.Result;
        connection.GrantReceiveCredit(data.Length);
    }

    /// <summary>The server's FIN: like a browser, finish our side too.</summary>
    public void OnReceiveClosed(TcpConnection connection)
    {
        _received.Writer.Complete();
        connection.CloseSend();
    }

    public void CopySendData(TcpConnection connection, long streamOffset, Span<byte> destination) =>
        _sent.AsSpan((int)streamOffset, destination.Length).CopyTo(destination);

    public void OnDataAcknowledged(TcpConnection connection, long acknowledgedOffset)
    {
    }

    public void OnClosed(TcpConnection connection, TcpCloseReason reason)
    {
        _received.Writer.Complete(reason == TcpCloseReason.Graceful ? null : new IOException($"connection closed: {reason}"));
        _closed.TrySetResult(reason);
    }

    private void DeclareSendData()
    {
        if (_tcp is { } tcp && _sentLength > _declared && tcp.State is TcpState.Established or TcpState.CloseWait)
        {
            tcp.AppendSendData(_sentLength - _declared);
            _declared = _sentLength;
        }
    }

    private static async Task<byte[]> ReadUntilAsync(PipeReader reader, byte[] delimiter)
    {
        while (true)
        {
            var result = await reader.ReadAsync().AsTask().WaitAsync(AdapterUnderTest.Timeout);
            var buffer = result.Buffer;
            var sequenceReader = new SequenceReader<byte>(buffer);
            if (sequenceReader.TryReadTo(out ReadOnlySequence<byte> line, delimiter, advancePastDelimiter: true))
            {
                var bytes = line.ToArray();
                reader.AdvanceTo(sequenceReader.Position);
                return bytes;
            }

            if (result.IsCompleted)
            {
                throw new EndOfStreamException("the connection ended inside a response head");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(PipeReader reader, long count)
    {
        var result = await reader.ReadAtLeastAsync((int)count).AsTask().WaitAsync(AdapterUnderTest.Timeout);
        if (result.Buffer.Length < count)
        {
            throw new EndOfStreamException($"the connection ended after {result.Buffer.Length} of {count} body bytes");
        }

        var bytes = result.Buffer.Slice(0, count).ToArray();
        reader.AdvanceTo(result.Buffer.GetPosition(count));
        return bytes;
    }
}

/// <summary>A parsed response.</summary>
internal sealed record HttpResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);
}
