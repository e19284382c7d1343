using System.Diagnostics;
using RdmaOffload.Verbs;

namespace RdmaOffload.Bench.Roce;

/// <summary>One bandwidth repetition.</summary>
/// <remarks>
/// CPU seconds of both processes (user + system) are the steadier figure on a shared machine: other
/// work on the cores stretches the elapsed time but not what moving the bytes cost.
/// </remarks>
internal readonly record struct BandwidthSample(int Size, int Depth, double Seconds, long Messages, double ClientCpuSeconds, double ServerCpuSeconds)
{
    public double MebibytesPerSecond => Messages * (double)Size / Seconds / (1 << 20);

    /// <summary>CPU milliseconds (both processes) per GiB moved.</summary>
    public double CpuMillisecondsPerGibibyte => (ClientCpuSeconds + ServerCpuSeconds) * 1000 / (Messages * (double)Size / (1 << 30));
}

/// <summary>One latency repetition, microseconds per READ round trip.</summary>
internal readonly record struct LatencySample(int Iterations, double Min, double Median, double P99, double Max);

/// <summary>RDMA READ bandwidth and latency over one connected QP against the server's region.</summary>
internal sealed class Measurements
{
    private readonly IRdmaConnection _connection;
    private readonly RegionGrant _grant;
    private readonly BenchOptions _options;
    private readonly Process _server;

    public Measurements(IRdmaConnection connection, RegionGrant grant, BenchOptions options, Process server)
    {
        _server = server;
        _connection = connection;
        _grant = grant;
        _options = options;
    }

    /// <summary>
    /// Keeps <c>depth</c> READs of <paramref name="size"/> bytes outstanding, each into its own slot
    /// of a local region, until <paramref name="maxBytes"/> or <paramref name="seconds"/>; then checks
    /// every slot holds what its last READ fetched.
    /// </summary>
    public async Task<BandwidthSample> BandwidthAsync(int size, int depth, double seconds, long maxBytes)
    {
        long regionSlots = Math.Max(_grant.Length / size, 1);
        using var local = _connection.ProtectionDomain.AllocateAndRegister((nint)size * depth, MemoryAccess.LocalWrite);
        local.Span.Clear();
        var lastRemoteOffset = new long[depth];
        long target = Math.Max(maxBytes / size, depth);
        var queuePair = _connection.QueuePair;
        var queue = _connection.CompletionQueue;
        var completions = new WorkCompletion[64];
        var entry = new ScatterGatherEntry[1];
        long posted = 0, completed = 0;
        long deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);

        void Post(int slot)
        {
            long remoteOffset = posted % regionSlots * size;
            lastRemoteOffset[slot] = remoteOffset;
            entry[0] = local.Slice((long)slot * size, size);
            queuePair.PostSend(
                new SendWorkRequest
                {
                    WorkRequestId = (ulong)slot,
                    Opcode = SendOpcode.RdmaRead,
                    Options = SendOptions.Signaled,
                    RemoteAddress = _grant.Address + (ulong)remoteOffset,
                    RemoteKey = _grant.RemoteKey,
                },
                entry);
            posted++;
        }

        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        _server.Refresh();
        var serverCpu = _server.TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        for (int slot = 0; slot < depth; slot++)
        {
            Post(slot);
        }

        while (completed < posted)
        {
            int count = queue.Poll(completions);
            if (count == 0)
            {
                if (!_options.BusyPoll)
                {
                    await queue.WaitAsync().ConfigureAwait(false);
                }

                continue;
            }

            bool more = Stopwatch.GetTimestamp() < deadline;
            for (int i = 0; i < count; i++)
            {
                var completion = completions[i];
                if (!completion.IsSuccess)
                {
                    throw new RdmaException($"RDMA READ of {size} B completed with {completion.Status}");
                }

                completed++;
                if (more && posted < target)
                {
                    Post((int)completion.WorkRequestId);
                }
            }
        }

        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        clientCpu = Process.GetCurrentProcess().TotalProcessorTime - clientCpu;
        _server.Refresh();
        serverCpu = _server.TotalProcessorTime - serverCpu;
        for (int slot = 0; slot < depth; slot++)
        {
            var data = local.Span.Slice(slot * size, size);
            int mismatch = Pattern.FirstMismatch(data, lastRemoteOffset[slot]);
            if (mismatch >= 0)
            {
                throw new InvalidDataException($"READ of {size} B into slot {slot}: byte {mismatch} is {data[mismatch]}, expected {Pattern.At(lastRemoteOffset[slot] + mismatch)}");
            }
        }

        return new BandwidthSample(size, depth, elapsed, completed, clientCpu.TotalSeconds, serverCpu.TotalSeconds);
    }

    /// <summary>One 8 B READ at a time, polling for its completion.</summary>
    public LatencySample Latency(int iterations)
    {
        const int Size = 8;
        using var local = _connection.ProtectionDomain.AllocateAndRegister(Size, MemoryAccess.LocalWrite);
        var request = new SendWorkRequest
        {
            WorkRequestId = 1,
            Opcode = SendOpcode.RdmaRead,
            Options = SendOptions.Signaled,
            RemoteAddress = _grant.Address,
            RemoteKey = _grant.RemoteKey,
        };
        ScatterGatherEntry[] entry = [local.Slice(0, Size)];
        var completions = new WorkCompletion[1];
        var samples = new double[iterations];
        var queue = _connection.CompletionQueue;
        for (int i = 0; i < iterations; i++)
        {
            local.Span.Clear();
            long start = Stopwatch.GetTimestamp();
            _connection.QueuePair.PostSend(request, entry);
            // Busy poll, as ib_read_lat does, but yielding after a while: on a machine with fewer cores
            // than busy threads the receive threads must get the CPU that brings the completion.
            var spinner = default(SpinWait);
            while (queue.Poll(completions) == 0)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            if (!completions[0].IsSuccess)
            {
                throw new RdmaException($"8 B RDMA READ completed with {completions[0].Status}");
            }

            if (Pattern.FirstMismatch(local.Span, 0) is int mismatch and >= 0)
            {
                throw new InvalidDataException($"8 B READ: byte {mismatch} is wrong");
            }
        }

        Array.Sort(samples);
        return new LatencySample(iterations, samples[0], samples[iterations / 2], samples[Math.Min(iterations - 1, (int)(iterations * 0.99))], samples[^1]);
    }
}
