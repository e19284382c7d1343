using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RdmaOffload.NetStack.Api;

namespace RdmaOffload.NetStack.InteropTests.Servers;

/// <summary>
/// A minimal iperf3 server (TCP tests, one at a time) on <see cref="TcpPipeConnection"/>s, speaking the iperf3 control
/// protocol: 37-byte cookie, one-byte state messages, length-prefixed JSON for parameters and results. Supports
/// client-sends (default) and reverse (<c>-R</c>) tests with any number of parallel streams.
/// </summary>
public sealed class Iperf3Server : IDisposable
{
    private const int CookieSize = 37;
    private const byte TestStart = 1;
    private const byte TestRunning = 2;
    private const byte TestEnd = 4;
    private const byte ParamExchange = 9;
    private const byte CreateStreams = 10;
    private const byte ExchangeResults = 13;
    private const byte DisplayResults = 14;
    private const byte IperfDone = 16;

    private readonly TcpPipeListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private string? _cookie;
    private TaskCompletionSource<TcpPipeConnection>? _streamArrived;
    private readonly List<TcpPipeConnection> _streams = [];

    public Iperf3Server(TcpPipeListener listener) => _listener = listener;

    /// <summary>Bytes received (client-sends tests) or sent (reverse tests) on data streams, over all completed tests.</summary>
    public long DataBytes => Interlocked.Read(ref _dataBytes);

    public int TestsCompleted { get; private set; }

    /// <summary>Completes when a test ends on the server side (the client may exit slightly earlier).</summary>
    public Task TestEnded => _testEnded.Task;

    private readonly TaskCompletionSource _testEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Exception? Failure { get; private set; }

    public string StreamOutputFailures
    {
        get
        {
            lock (_gate)
            {
                return string.Join(" | ", _lastStreams.Select(s => s.OutputFailure?.ToString() ?? "none"));
            }
        }
    }

    private readonly List<TcpPipeConnection> _lastStreams = [];

    private long _dataBytes;

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

            _ = Task.Run(() => ClassifyAsync(connection));
        }
    }

    private async Task ClassifyAsync(TcpPipeConnection connection)
    {
        try
        {
            var cookie = Encoding.ASCII.GetString(await ReadExactlyAsync(connection.Input, CookieSize));
            TaskCompletionSource<TcpPipeConnection>? waiter = null;
            lock (_gate)
            {
                if (_cookie is null)
                {
                    _cookie = cookie;
                }
                else if (_cookie == cookie)
                {
                    _streams.Add(connection);
                    _lastStreams.Add(connection);
                    waiter = _streamArrived;
                }
                else
                {
                    connection.Abort(); // a second test while one runs: refuse
                    return;
                }
            }

            if (waiter is not null)
            {
                waiter.TrySetResult(connection);
                return;
            }

            await RunTestAsync(connection);
            TestsCompleted++;
            _testEnded.TrySetResult();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or JsonException or TimeoutException)
        {
            Failure = e;
            _testEnded.TrySetResult();
            lock (_gate)
            {
                _cookie = null; // let the next test start
                _streams.Clear();
            }
        }
    }

    private async Task RunTestAsync(TcpPipeConnection control)
    {
        await SendStateAsync(control, ParamExchange);
        var parameters = JsonNode.Parse(Encoding.UTF8.GetString(await ReadJsonAsync(control.Input)))!.AsObject();
        var parallel = parameters["parallel"]?.GetValue<int>() ?? 1;
        var reverse = parameters["reverse"]?.GetValue<bool>() ?? false;

        var streams = new List<TcpPipeConnection>();
        for (var i = 0; i < parallel; i++)
        {
            var arrived = new TaskCompletionSource<TcpPipeConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _streamArrived = arrived;
            }

            if (i == 0)
            {
                await SendStateAsync(control, CreateStreams);
            }

            streams.Add(await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        var started = DateTime.UtcNow;
        await SendStateAsync(control, TestStart);
        await SendStateAsync(control, TestRunning);
        using var running = new CancellationTokenSource();
        var counts = new long[streams.Count];
        var workers = streams.Select((s, i) => reverse ? SendStreamAsync(s, counts, i, running.Token) : ReceiveStreamAsync(s, counts, i)).ToArray();

        var state = await ReadExactlyAsync(control.Input, 1);
        if (state[0] != TestEnd)
        {
            throw new InvalidOperationException($"expected TEST_END, got {state[0]}");
        }

        var elapsed = (DateTime.UtcNow - started).TotalSeconds;
        await running.CancelAsync();
        if (reverse)
        {
            await Task.WhenAll(workers);
        }
        else
        {
            await Task.WhenAny(Task.WhenAll(workers), Task.Delay(TimeSpan.FromSeconds(5)));
        }

        // Like iperf3's own server: data streams close at TEST_END, before results are exchanged (a reverse-mode
        // client reads its data sockets to EOF before it answers on the control connection).
        foreach (var stream in streams)
        {
            await stream.Output.CompleteAsync();
        }

        await SendStateAsync(control, ExchangeResults);
        _ = await ReadJsonAsync(control.Input); // the client's results
        var results = new JsonObject
        {
            ["cpu_util_total"] = 0.0,
            ["cpu_util_user"] = 0.0,
            ["cpu_util_system"] = 0.0,
            ["sender_has_retransmits"] = reverse ? 0 : -1,
            ["streams"] = new JsonArray(counts.Select((bytes, i) => (JsonNode)new JsonObject
            {
                ["id"] = i == 0 ? 1 : i + 2, // iperf3 numbers streams 1, 3, 4, ...
                ["bytes"] = Interlocked.Read(ref counts[i]),
                ["retransmits"] = reverse ? 0 : -1,
                ["jitter"] = 0,
                ["errors"] = 0,
                ["packets"] = 0,
                ["start_time"] = 0,
                ["end_time"] = elapsed,
            }).ToArray()),
        };
        await WriteJsonAsync(control.Output, Encoding.UTF8.GetBytes(results.ToJsonString()));
        await SendStateAsync(control, DisplayResults);
        var done = await ReadExactlyAsync(control.Input, 1);
        Interlocked.Add(ref _dataBytes, counts.Sum());

        await control.Output.CompleteAsync();
        lock (_gate)
        {
            _cookie = null;
            _streams.Clear();
        }

        if (done[0] != IperfDone)
        {
            throw new InvalidOperationException($"expected IPERF_DONE, got {done[0]}");
        }
    }

    private static async Task ReceiveStreamAsync(TcpPipeConnection stream, long[] counts, int index)
    {
        while (true)
        {
            var result = await stream.Input.ReadAsync();
            Interlocked.Add(ref counts[index], result.Buffer.Length);
            stream.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    private static async Task SendStreamAsync(TcpPipeConnection stream, long[] counts, int index, CancellationToken stop)
    {
        const int Block = 128 * 1024;
        long offset = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var memory = stream.Output.GetMemory(Block);
                GeneratedContent.Fill(offset, memory.Span[..Block]);
                stream.Output.Advance(Block);
                offset += Block;
                Interlocked.Add(ref counts[index], Block);
                var flush = await stream.Output.FlushAsync(stop);
                if (flush.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task SendStateAsync(TcpPipeConnection connection, byte state)
    {
        await connection.Output.WriteAsync(new[] { state });
    }

    private static async Task<byte[]> ReadJsonAsync(PipeReader input)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(await ReadExactlyAsync(input, 4));
        if (length is < 0 or > 1_000_000)
        {
            throw new InvalidOperationException($"implausible JSON length {length}");
        }

        return await ReadExactlyAsync(input, length);
    }

    private static async Task WriteJsonAsync(PipeWriter output, byte[] json)
    {
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, json.Length);
        output.Write(prefix);
        output.Write(json);
        await output.FlushAsync();
    }

    private static async Task<byte[]> ReadExactlyAsync(PipeReader input, int count)
    {
        while (true)
        {
            var result = await input.ReadAsync();
            if (result.Buffer.Length >= count)
            {
                var bytes = result.Buffer.Slice(0, count).ToArray();
                input.AdvanceTo(result.Buffer.GetPosition(count));
                return bytes;
            }

            if (result.IsCompleted)
            {
                throw new IOException($"connection closed while {count} bytes were expected");
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
