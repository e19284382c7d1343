using System.Globalization;
using System.Net;

namespace RdmaOffload.Bench.Roce;

/// <summary>
/// Command line of the benchmark. The client (default role) starts the server role as a child
/// process with the options that concern it.
/// </summary>
internal sealed record BenchOptions
{
    /// <summary>Message sizes of the bandwidth test.</summary>
    public required int[] Sizes { get; init; }

    /// <summary>READs outstanding at once in the bandwidth test.</summary>
    public int Depth { get; init; } = 16;

    /// <summary>RDMA READs the requester may have outstanding (the QP's max_rd_atomic, both ways).</summary>
    public byte ReadDepth { get; init; } = 16;

    /// <summary>Repetitions of every test (median and min–max are reported).</summary>
    public int Repetitions { get; init; } = 3;

    /// <summary>Upper bound of one bandwidth repetition in seconds (it also stops at <see cref="MaxBytes"/>).</summary>
    public double Seconds { get; init; } = 2;

    /// <summary>Upper bound of the bytes one bandwidth repetition reads.</summary>
    public long MaxBytes { get; init; } = 4L << 30;

    /// <summary>8 B READs per latency repetition (0: no latency test).</summary>
    public int LatencyIterations { get; init; } = 5000;

    /// <summary>Busy-poll the completion queue in the bandwidth test instead of waiting for completions.</summary>
    public bool BusyPoll { get; init; }

    /// <summary>Server (responder) address; its device binds it.</summary>
    public IPAddress ServerAddress { get; init; } = IPAddress.Parse("127.0.0.1");

    /// <summary>Client (requester) address; its device binds it.</summary>
    public IPAddress ClientAddress { get; init; } = IPAddress.Parse("127.0.0.2");

    /// <summary>UDP port of both devices (0: ephemeral; the rendezvous carries it).</summary>
    public int UdpPort { get; init; }

    /// <summary>Batched datagram I/O (recvmmsg/sendmmsg).</summary>
    public bool BatchedIo { get; init; } = true;

    /// <summary>UDP GSO/GRO.</summary>
    public bool Segmentation { get; init; } = true;

    /// <summary>
    /// The QPs' local ACK timeout (IB encoding; null: the connection manager's default). Emulated
    /// guests answer their first packets late, past the default's ~0.5 s of retries.
    /// </summary>
    public byte? AckTimeout { get; init; }

    /// <summary>Where the markdown and CSV results go (empty: nowhere).</summary>
    public string ResultsDirectory { get; init; } = "bench/results";

    /// <summary>A word naming the run in the result file names (e.g. "loopback", "vm").</summary>
    public string Label { get; init; } = "loopback";

    /// <summary>The server role: listen on this TCP port (0: any) and serve one connection.</summary>
    public bool IsServer { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        bool quick = args.Contains("--quick");
        var options = new BenchOptions
        {
            Sizes = (Get(args, "--sizes") ?? "65536,1048576").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
            IsServer = args.Length > 0 && args[0] == "server",
            Depth = Int(args, "--depth", 16),
            ReadDepth = (byte)Math.Clamp(Int(args, "--read-depth", 16), 1, 255),
            Repetitions = Int(args, "--reps", 3),
            Seconds = Double(args, "--seconds", quick ? 0.5 : 2),
            MaxBytes = (long)Double(args, "--max-mib", quick ? 512 : 4096) << 20,
            LatencyIterations = Int(args, "--lat-iterations", quick ? 1000 : 5000),
            BusyPoll = args.Contains("--busy-poll"),
            UdpPort = Int(args, "--udp-port", 0),
            BatchedIo = !args.Contains("--no-mmsg"),
            Segmentation = !args.Contains("--no-gso"),
            ResultsDirectory = Get(args, "--results") ?? "bench/results",
            Label = Get(args, "--label") ?? (quick ? "loopback-quick" : "loopback"),
            AckTimeout = Get(args, "--ack-timeout") is { } ackTimeout ? byte.Parse(ackTimeout, CultureInfo.InvariantCulture) : null,
        };
        if (Get(args, "--server-address") is { } server)
        {
            options = options with { ServerAddress = IPAddress.Parse(server) };
        }

        if (Get(args, "--client-address") is { } client)
        {
            options = options with { ClientAddress = IPAddress.Parse(client) };
        }

        if (options.Repetitions < 1 || options.Depth < 1 || options.Sizes.Any(s => s <= 0))
        {
            throw new ArgumentException("repetitions, depth and sizes must be positive");
        }

        return options;
    }

    /// <summary>Arguments that start the server role with the same device settings.</summary>
    public IEnumerable<string> ServerArguments()
    {
        yield return "server";
        yield return "--server-address";
        yield return ServerAddress.ToString();
        yield return "--read-depth";
        yield return ReadDepth.ToString(CultureInfo.InvariantCulture);
        yield return "--udp-port";
        yield return UdpPort.ToString(CultureInfo.InvariantCulture);
        if (AckTimeout is { } ackTimeout)
        {
            yield return "--ack-timeout";
            yield return ackTimeout.ToString(CultureInfo.InvariantCulture);
        }

        if (!BatchedIo)
        {
            yield return "--no-mmsg";
        }

        if (!Segmentation)
        {
            yield return "--no-gso";
        }
    }

    private static int Int(string[] args, string name, int fallback) =>
        Get(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private static double Double(string[] args, string name, double fallback) =>
        Get(args, name) is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private static string? Get(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
