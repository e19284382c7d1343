using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using RdmaOffload.NetStack.Api;

namespace RdmaOffload.NetStack.InteropTests.Servers;

/// <summary>
/// A tiny HTTP/1.1 responder on <see cref="TcpPipeConnection"/> (keep-alive): <c>GET /bytes/N</c> returns N bytes of
/// <see cref="GeneratedContent"/>, anything else a short "hello". <c>POST</c> bodies are read and their SHA-256 returned.
/// </summary>
public sealed class PipeHttpResponder : IDisposable
{
    private readonly TcpPipeListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private int _served;

    public PipeHttpResponder(TcpPipeListener listener) => _listener = listener;

    public int RequestsServed => _served;

    public void Start() => _ = Task.Run(AcceptLoopAsync);

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpPipeConnection connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(connection));
        }
    }

    private async Task ServeAsync(TcpPipeConnection connection)
    {
        var input = connection.Input;
        var output = connection.Output;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                var headerEnd = FindHeaderEnd(buffer);
                if (headerEnd is null)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                    {
                        break;
                    }

                    continue;
                }

                var header = Encoding.ASCII.GetString(buffer.Slice(0, headerEnd.Value));
                input.AdvanceTo(buffer.GetPosition(headerEnd.Value));
                var lines = header.Split("\r\n");
                var parts = lines[0].Split(' ');
                var close = lines.Any(l => l.Equals("Connection: close", StringComparison.OrdinalIgnoreCase));
                await RespondAsync(parts.Length > 1 ? parts[0] : "", parts.Length > 1 ? parts[1] : "/", lines, input, output, close);
                Interlocked.Increment(ref _served);
                if (close)
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
            // reset by the client
        }
        finally
        {
            await output.CompleteAsync();
            await input.CompleteAsync();
        }
    }

    private static async Task RespondAsync(string method, string path, string[] headerLines, PipeReader input, PipeWriter output, bool close)
    {
        var connectionHeader = close ? "Connection: close\r\n" : "";
        if (method == "POST")
        {
            var lengthLine = headerLines.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            var remaining = lengthLine is null ? 0 : long.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            while (remaining > 0)
            {
                var result = await input.ReadAsync();
                var take = result.Buffer.Slice(0, Math.Min(remaining, result.Buffer.Length));
                foreach (var segment in take)
                {
                    sha.AppendData(segment.Span);
                }

                remaining -= take.Length;
                input.AdvanceTo(take.End);
                if (result.IsCompleted && remaining > 0)
                {
                    throw new IOException("body truncated");
                }
            }

            var hash = Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
            await output.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {hash.Length}\r\n{connectionHeader}\r\n{hash}"));
            return;
        }

        if (path.StartsWith("/bytes/", StringComparison.Ordinal) && long.TryParse(path["/bytes/".Length..], out var length))
        {
            await output.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\n{connectionHeader}\r\n"));
            long offset = 0;
            while (offset < length)
            {
                var count = (int)Math.Min(32 * 1024, length - offset);
                var memory = output.GetMemory(count);
                GeneratedContent.Fill(offset, memory.Span[..count]);
                output.Advance(count);
                offset += count;
                var flush = await output.FlushAsync();
                if (flush.IsCompleted)
                {
                    return;
                }
            }

            return;
        }

        await output.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n{connectionHeader}\r\nhello\n"));
    }

    private static int? FindHeaderEnd(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: true) ? (int)reader.Consumed : null;
    }
}
