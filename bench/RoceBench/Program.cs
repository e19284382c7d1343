using RdmaOffload.Bench.Roce;
using RdmaOffload.Verbs;

// managed-roce RDMA READ bandwidth (64 KiB, 1 MiB, pipelined) and 8 B READ latency between two
// processes on this host: this process is the requester and starts the responder as a child
// (`server` role); they rendezvous through the provider's connection manager. bench/roce wraps it.
//   dotnet RdmaOffload.Bench.Roce.dll [--quick] [--reps 3] [--depth 16] [--sizes 65536,1048576]
//       [--seconds 2] [--max-mib 4096] [--lat-iterations 5000] [--busy-poll]
//       [--server-address 127.0.0.1] [--client-address 127.0.0.2] [--udp-port 0]
//       [--no-mmsg] [--no-gso] [--ack-timeout N] [--results bench/results] [--label loopback]
try
{
    var options = BenchOptions.Parse(args);
    return options.IsServer
        ? await ServerRole.RunAsync(options).ConfigureAwait(false)
        : await ClientRole.RunAsync(options, "RoceBench " + string.Join(' ', args)).ConfigureAwait(false);
}
catch (Exception e) when (e is RdmaException or InvalidDataException or TimeoutException or ArgumentException or InvalidOperationException)
{
    Console.Error.WriteLine($"roce-bench: {e.Message}");
    return 1;
}
