using System.Globalization;
using System.Net;
using RdmaOffload.Bench.Verbs;
using RdmaOffload.Samples.Verbs;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.IbVerbs;

// RDMA READ bandwidth and latency over two QPs on one device (perftest's loopback setup), printed
// as machine-readable `verbsbench key=value ...` lines. Compare with perftest only in the same run
// on the same machine (bench/VerbsBench/run-in-guest.sh does both).
//   dotnet RdmaOffload.Bench.Verbs.dll [--device rxe0] [--ip 10.77.0.1] [--sizes 65536,1048576]
//       [--iterations 1000] [--depth 128] [--lat-iterations 1000 (0: skip)]
var options = BenchOptions.Parse(args);
try
{
    using var provider = new IbVerbsProvider();
    using var device = provider.OpenDevice(options.Device);
    byte readDepth = (byte)Math.Clamp(device.Attributes.MaxReadAtomicPerQueuePair, 1, byte.MaxValue);
    using var link = LoopbackQueuePairs.Create(device, options.Address, options.Depth, readDepth);
    Console.WriteLine($"# device {device.Name} gid[{link.GidIndex}] {link.Gid} depth {options.Depth} reads-outstanding {readDepth}");

    // Warm up: every code path of the measurement compiled and the device's queues touched once.
    _ = ReadBenchmarks.Bandwidth(link, 4096, options.Depth * 2, options.Depth);
    _ = ReadBenchmarks.Latency(link, 8, 100);

    foreach (int size in options.Sizes)
    {
        var result = ReadBenchmarks.Bandwidth(link, size, options.Iterations, options.Depth);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"verbsbench test=read_bw bytes={size} iterations={options.Iterations} depth={options.Depth} seconds={result.Seconds:F6} MiBps={result.MebibytesPerSecond:F2} Mpps={result.MessagesPerSecond / 1e6:F6}"));
    }

    if (options.LatencyIterations > 0)
    {
        var latency = ReadBenchmarks.Latency(link, 8, options.LatencyIterations);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"verbsbench test=read_lat bytes=8 iterations={options.LatencyIterations} min_us={latency.Min:F2} typical_us={latency.Typical:F2} avg_us={latency.Average:F2} p99_us={latency.P99:F2} max_us={latency.Max:F2} clock_overhead_us={latency.ClockOverhead:F2}"));
    }
    return 0;
}
catch (RdmaException e)
{
    Console.Error.WriteLine($"verbsbench: {e.Message}");
    return 1;
}

namespace RdmaOffload.Bench.Verbs
{
    /// <summary>Command line of the benchmark.</summary>
    internal sealed record BenchOptions(string? Device, IPAddress? Address, int[] Sizes, int Iterations, int Depth, int LatencyIterations)
    {
        internal static BenchOptions Parse(string[] args)
        {
            string? device = Get(args, "--device") ?? Environment.GetEnvironmentVariable("RDMAOFFLOAD_DEVICE");
            string? ip = Get(args, "--ip") ?? Environment.GetEnvironmentVariable("RDMAOFFLOAD_IP");
            int[] sizes = (Get(args, "--sizes") ?? "65536,1048576").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            return new BenchOptions(
                string.IsNullOrEmpty(device) ? null : device,
                string.IsNullOrEmpty(ip) ? null : IPAddress.Parse(ip),
                sizes,
                Int(args, "--iterations", 1000),
                Int(args, "--depth", 128),
                Int(args, "--lat-iterations", 1000));
        }

        private static int Int(string[] args, string name, int fallback) =>
            Get(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

        private static string? Get(string[] args, string name)
        {
            int index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
        }
    }
}
