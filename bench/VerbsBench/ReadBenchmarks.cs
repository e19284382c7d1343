using System.Diagnostics;
using RdmaOffload.Samples.Verbs;
using RdmaOffload.Verbs;

namespace RdmaOffload.Bench.Verbs;

/// <summary>Bandwidth of a pipelined RDMA READ stream.</summary>
internal readonly record struct BandwidthResult(double Seconds, long Bytes, int Messages)
{
    public double MebibytesPerSecond => Bytes / Seconds / (1024 * 1024);

    public double MessagesPerSecond => Messages / Seconds;
}

/// <summary>
/// Per-READ round trip times in microseconds, with the cost of the two clock reads each sample
/// takes already subtracted (<paramref name="ClockOverhead"/>): perftest reads the CPU cycle
/// counter, which costs nothing, while .NET reads CLOCK_MONOTONIC, which in a VM without a stable
/// TSC is a system call on an emulated timer.
/// </summary>
internal readonly record struct LatencyResult(double Min, double Typical, double Average, double P99, double Max, double ClockOverhead);

/// <summary>The measurements, done like perftest's: busy polling, a fixed window of outstanding READs.</summary>
internal static class ReadBenchmarks
{
    internal static BandwidthResult Bandwidth(LoopbackQueuePairs link, int size, int iterations, int depth)
    {
        using var remote = link.ProtectionDomain.AllocateAndRegister(size, MemoryAccess.RemoteRead);
        using var local = link.ProtectionDomain.AllocateAndRegister(size, MemoryAccess.LocalWrite);
        remote.Span.Fill(0x5A);
        var requests = new SendWorkRequest[depth];
        var entries = new ScatterGatherEntry[] { local.Slice(0, size) };
        for (int i = 0; i < depth; i++)
        {
            requests[i] = new SendWorkRequest
            {
                WorkRequestId = (ulong)i,
                Opcode = SendOpcode.RdmaRead,
                RemoteAddress = (ulong)remote.Address,
                RemoteKey = remote.RemoteKey,
                FirstEntry = 0,
                EntryCount = 1,
            };
        }

        var completions = new WorkCompletion[64];
        int posted = 0, completed = 0;
        long start = Stopwatch.GetTimestamp();
        while (completed < iterations)
        {
            int window = Math.Min(depth - (posted - completed), iterations - posted);
            if (window > 0)
            {
                int count = link.Requester.PostSend(requests.AsSpan(0, window), entries);
                if (count != window)
                {
                    throw new RdmaException($"posting READs failed after {count} of {window}");
                }

                posted += count;
            }

            int polled = link.RequesterCompletionQueue.Poll(completions);
            for (int i = 0; i < polled; i++)
            {
                if (!completions[i].IsSuccess)
                {
                    throw new RdmaException($"RDMA READ completed with {completions[i].Status}");
                }
            }

            completed += polled;
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (local.Span[size - 1] != 0x5A)
        {
            throw new RdmaException("the READ data did not arrive");
        }

        return new BandwidthResult(seconds, (long)size * iterations, iterations);
    }

    internal static LatencyResult Latency(LoopbackQueuePairs link, int size, int iterations)
    {
        using var remote = link.ProtectionDomain.AllocateAndRegister(size, MemoryAccess.RemoteRead);
        using var local = link.ProtectionDomain.AllocateAndRegister(size, MemoryAccess.LocalWrite);
        var request = new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.RemoteKey };
        var entries = new ScatterGatherEntry[] { local.Slice(0, size) };
        var completions = new WorkCompletion[1];
        var samples = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            link.Requester.PostSend(in request, entries);
            while (link.RequesterCompletionQueue.Poll(completions) == 0)
            {
                // busy poll, as ib_read_lat does
            }

            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            if (!completions[0].IsSuccess)
            {
                throw new RdmaException($"RDMA READ completed with {completions[0].Status}");
            }
        }

        double overhead = ClockOverhead();
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = Math.Max(0, samples[i] - overhead);
        }

        Array.Sort(samples);
        return new LatencyResult(samples[0], samples[iterations / 2], samples.Average(), samples[(int)(iterations * 0.99)], samples[^1], overhead);
    }

    /// <summary>Median cost, in microseconds, of the timestamp pair one latency sample takes.</summary>
    private static double ClockOverhead()
    {
        var costs = new double[1001];
        for (int i = 0; i < costs.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            costs[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(costs);
        return costs[costs.Length / 2];
    }
}
