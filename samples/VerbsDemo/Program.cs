using System.Diagnostics;
using System.Net;
using RdmaOffload.Samples.Verbs;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.IbVerbs;

// Verbs demo: open an RDMA device, RDMA READ a known pattern from one QP's memory into another's,
// verify every byte. Exit code 0 only when the data arrived intact.
//   dotnet RdmaOffload.Samples.VerbsDemo.dll [--device rxe0] [--ip 10.77.0.1] [--size 1048576]
// Defaults come from RDMAOFFLOAD_DEVICE / RDMAOFFLOAD_IP.
try
{
    string? deviceName = Argument(args, "--device") ?? Environment.GetEnvironmentVariable("RDMAOFFLOAD_DEVICE");
    string? ip = Argument(args, "--ip") ?? Environment.GetEnvironmentVariable("RDMAOFFLOAD_IP");
    int size = int.Parse(Argument(args, "--size") ?? "1048576", System.Globalization.CultureInfo.InvariantCulture);

    using var provider = new IbVerbsProvider();
    using var device = provider.OpenDevice(string.IsNullOrEmpty(deviceName) ? null : deviceName);
    using var link = LoopbackQueuePairs.Create(device, string.IsNullOrEmpty(ip) ? null : IPAddress.Parse(ip), depth: 16);
    Console.WriteLine($"device: {device.Name} ({provider.Name}), port 1 {device.QueryPort(1).State}, active MTU {device.QueryPort(1).ActiveMtu.ToBytes()}");
    Console.WriteLine($"gid[{link.GidIndex}]: {link.Gid} ({link.Gid.ToIPAddress()})");
    Console.WriteLine($"queue pairs: requester {link.Requester.QueuePairNumber:x6} <-> responder {link.Responder.QueuePairNumber:x6}");

    using var source = link.ProtectionDomain.AllocateAndRegister(size, MemoryAccess.RemoteRead);
    using var destination = link.ProtectionDomain.AllocateAndRegister(size, MemoryAccess.LocalWrite);
    var span = source.Span;
    for (int i = 0; i < span.Length; i++)
    {
        span[i] = (byte)((i * 31) ^ (i >> 8));
    }

    var clock = Stopwatch.StartNew();
    link.Requester.PostSend(
        new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)source.Address, RemoteKey = source.RemoteKey },
        [destination.Slice(0, size)]);
    var completions = new WorkCompletion[1];
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
    while (link.RequesterCompletionQueue.Poll(completions) == 0)
    {
        await link.RequesterCompletionQueue.WaitAsync(0, timeout.Token);
    }

    clock.Stop();
    if (!completions[0].IsSuccess)
    {
        Console.Error.WriteLine($"RDMA READ failed: {completions[0].Status} (vendor error {completions[0].VendorError})");
        return 1;
    }

    int mismatch = destination.Span.CommonPrefixLength(source.Span);
    if (mismatch != size)
    {
        Console.Error.WriteLine($"RDMA READ of {size} bytes: data differs at byte {mismatch}");
        return 1;
    }

    Console.WriteLine($"RDMA READ {size} bytes (rkey 0x{source.RemoteKey:x}) in {clock.Elapsed.TotalMilliseconds:F2} ms: verified");
    return 0;
}
catch (Exception e) when (e is RdmaException or OperationCanceledException or FormatException)
{
    Console.Error.WriteLine($"verbs demo failed: {e.Message}");
    return 1;
}

static string? Argument(string[] args, string name)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
