using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using RdmaOffload.HostAgent;

namespace RdmaOffload.EndToEnd.Tests.Transfers;

/// <summary>
/// The host application of the transfer tests. A client sends one line, then:
/// <c>D size seed</c> → the host sends <c>size</c> bytes of <see cref="Pattern"/> and closes;
/// <c>U size</c> + <c>size</c> bytes → the host answers the hex SHA-256 of those bytes and closes.
/// Counts what it saw so tests can assert on the host's side too.
/// </summary>
internal sealed class TransferHost
{
    private readonly AcceleratedListener _listener;
    private long _bytesGenerated;
    private int _aborted;
    private int _served;

    private TransferHost(AcceleratedListener listener) => _listener = listener;

    /// <summary>Bytes the app has handed to the host agent so far (downloads).</summary>
    public long BytesGenerated => Interlocked.Read(ref _bytesGenerated);

    /// <summary>Connections that ended with an error (the client reset or vanished).</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    /// <summary>Connections served to the end.</summary>
    public int Served => Volatile.Read(ref _served);

    public event Action<AcceleratedConnection, Exception>? ConnectionFailed;

    public static TransferHost Serve(AcceleratedListener listener)
    {
        var host = new TransferHost(listener);
        _ = Task.Run(host.AcceptLoopAsync);
        return host;
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            AcceleratedConnection connection;
            try
            {
                connection = await _listener.AcceptAsync();
            }
            catch (Exception e) when (e is IOException or System.Threading.Channels.ChannelClosedException or OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(connection));
        }
    }

    private async Task ServeAsync(AcceleratedConnection connection)
    {
        try
        {
            var line = await ReadLineAsync(connection.Input);
            var parts = line.Split(' ');
            var size = long.Parse(parts[1], CultureInfo.InvariantCulture);
            if (parts[0] == "D")
            {
                await SendPatternAsync(connection.Output, ulong.Parse(parts[2], CultureInfo.InvariantCulture), size);
            }
            else
            {
                var hash = await HashAsync(connection.Input, size);
                await connection.Output.WriteAsync(Encoding.ASCII.GetBytes(Convert.ToHexString(hash) + "\n"));
            }

            await connection.Output.CompleteAsync();
            await connection.Closed.WaitAsync(TimeSpan.FromSeconds(60));
            Interlocked.Increment(ref _served);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException or FormatException or TimeoutException or IndexOutOfRangeException)
        {
            Interlocked.Increment(ref _aborted);
            ConnectionFailed?.Invoke(connection, e);
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    private async Task SendPatternAsync(PipeWriter output, ulong seed, long size)
    {
        const int Chunk = 64 * 1024;
        for (long offset = 0; offset < size;)
        {
            var n = (int)Math.Min(Chunk, size - offset);
            var memory = output.GetMemory(n);
            Pattern.Fill(seed, offset, memory.Span[..n]);
            output.Advance(n);
            offset += n;
            Interlocked.Add(ref _bytesGenerated, n);
            var flush = await output.FlushAsync();
            if (flush.IsCanceled || flush.IsCompleted)
            {
                throw new IOException("the client went away during the download");
            }
        }
    }

    private static async Task<byte[]> HashAsync(PipeReader input, long size)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long remaining = size;
        while (remaining > 0)
        {
            var result = await input.ReadAsync();
            var take = result.Buffer.Slice(0, Math.Min(remaining, result.Buffer.Length));
            foreach (var segment in take)
            {
                hash.AppendData(segment.Span);
            }

            remaining -= take.Length;
            input.AdvanceTo(take.End);
            if (remaining > 0 && result.IsCompleted)
            {
                throw new IOException($"upload ended {remaining} bytes early");
            }
        }

        return hash.GetHashAndReset();
    }

    private static async Task<string> ReadLineAsync(PipeReader input)
    {
        while (true)
        {
            var result = await input.ReadAsync();
            var newline = result.Buffer.PositionOf((byte)'\n');
            if (newline is { } end)
            {
                var line = Encoding.ASCII.GetString(result.Buffer.Slice(0, end));
                input.AdvanceTo(result.Buffer.GetPosition(1, end));
                return line;
            }

            if (result.IsCompleted || result.Buffer.Length > 128)
            {
                throw new IOException("no request line");
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
