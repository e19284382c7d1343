using System.Diagnostics;
using System.Globalization;
using System.Net;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.ManagedRoce;

namespace RdmaOffload.Bench.Roce;

/// <summary>
/// The requester process: starts the server role as a child process, connects to it through the
/// provider's connection manager (TCP rendezvous), receives the region grant, runs the tests and
/// writes the report.
/// </summary>
internal static class ClientRole
{
    public static async Task<int> RunAsync(BenchOptions options, string commandLine)
    {
        string loadBefore = Report.LoadAverage();
        using var server = StartServer(options);
        try
        {
            int port = await ReadReadyPortAsync(server).ConfigureAwait(false);
            using var provider = Providers.Create(options, options.ClientAddress, "mroce-client");
            using var manager = provider.CreateConnectionManager();
            using var connection = await manager.ConnectAsync(new IPEndPoint(options.ServerAddress, port), ServerRole.ConnectionOptions(options), ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
            var grant = await ReceiveGrantAsync(connection).ConfigureAwait(false);
            var measurements = new Measurements(connection, grant, options, server);
            Console.WriteLine($"# managed-roce {options.ClientAddress} -> {options.ServerAddress}, depth {options.Depth}, {options.Repetitions} repetitions, <= {options.Seconds} s or {options.MaxBytes >> 20} MiB each");

            // Warm-up: every path compiled and the sockets' buffers touched once.
            foreach (int size in options.Sizes)
            {
                await measurements.BandwidthAsync(size, options.Depth, 0.2, 64L << 20).ConfigureAwait(false);
            }

            if (options.LatencyIterations > 0)
            {
                measurements.Latency(200);
            }

            var bandwidth = new List<BandwidthSample>();
            var latency = new List<LatencySample>();
            for (int rep = 1; rep <= options.Repetitions; rep++)
            {
                foreach (int size in options.Sizes)
                {
                    var sample = await measurements.BandwidthAsync(size, options.Depth, options.Seconds, options.MaxBytes).ConfigureAwait(false);
                    bandwidth.Add(sample);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rep {rep} read_bw bytes={size} depth={sample.Depth} messages={sample.Messages} seconds={sample.Seconds:F3} MiBps={sample.MebibytesPerSecond:F1} cpu_ms_per_GiB={sample.CpuMillisecondsPerGibibyte:F0} (client {sample.ClientCpuSeconds:F2} s, server {sample.ServerCpuSeconds:F2} s)"));
                }

                if (options.LatencyIterations > 0)
                {
                    var sample = measurements.Latency(options.LatencyIterations);
                    latency.Add(sample);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rep {rep} read_lat bytes=8 iterations={sample.Iterations} min_us={sample.Min:F2} median_us={sample.Median:F2} p99_us={sample.P99:F2} max_us={sample.Max:F2}"));
                }
            }

            string counters = connection.Device is ManagedRoceDevice device
                ? $"client device: received {device.Counters.Received}, GRO-coalesced receives {device.Counters.Coalesced}, bad ICRC {device.Counters.BadIcrc}, ICRC solved {device.Counters.IcrcSolved}, malformed {device.Counters.Malformed}"
                : string.Empty;
            Console.WriteLine($"# {counters}");
            connection.Disconnect();
            var report = new Report(options, commandLine, loadBefore, Report.LoadAverage(), counters, bandwidth, latency);
            Console.WriteLine();
            Console.WriteLine(report.Markdown());
            if (options.ResultsDirectory.Length > 0)
            {
                var (markdown, csv) = report.Save(options.ResultsDirectory);
                Console.WriteLine($"results: {markdown} {csv}");
            }

            return 0;
        }
        finally
        {
            server.StandardInput.Close();
            if (!server.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                server.Kill();
            }
        }
    }

    private static Process StartServer(BenchOptions options)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(host) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            // Started as `dotnet RdmaOffload.Bench.Roce.dll`: the child needs the assembly path too.
            start.ArgumentList.Add(typeof(ClientRole).Assembly.Location);
        }

        foreach (string argument in options.ServerArguments())
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("the server process did not start");
    }

    private static async Task<int> ReadReadyPortAsync(Process server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await server.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false) is { } line)
        {
            const string Ready = "ready cm-port=";
            if (line.StartsWith(Ready, StringComparison.Ordinal))
            {
                return int.Parse(line.AsSpan(Ready.Length), CultureInfo.InvariantCulture);
            }

            Console.WriteLine($"server: {line}");
        }

        throw new InvalidOperationException($"the server process exited before it was ready ({(server.HasExited ? server.ExitCode : -1)})");
    }

    private static async Task<RegionGrant> ReceiveGrantAsync(IRdmaConnection connection)
    {
        using var message = connection.ProtectionDomain.AllocateAndRegister(64, MemoryAccess.LocalWrite);
        connection.QueuePair.PostReceive(7, [message.Slice(0, 64)]);
        var completion = await Completions.NextAsync(connection.CompletionQueue, TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        if (!completion.IsSuccess || completion.Opcode != WorkCompletionOpcode.Receive)
        {
            throw new RdmaException($"receiving the region grant completed with {completion.Status} ({completion.Opcode})");
        }

        return RegionGrant.Decode(message.Span[..(int)completion.ByteLength]);
    }
}
