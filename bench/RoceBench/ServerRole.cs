using System.Net;
using RdmaOffload.Verbs;

namespace RdmaOffload.Bench.Roce;

/// <summary>
/// The responder process: registers a region filled with <see cref="Pattern"/>, listens with the
/// provider's connection manager, grants the region to the first client and waits until it
/// disconnects (or the parent closes our stdin).
/// </summary>
internal static class ServerRole
{
    public const long RegionLength = 1 << 20;

    public static async Task<int> RunAsync(BenchOptions options)
    {
        using var provider = Providers.Create(options, options.ServerAddress, "mroce-server");
        using var manager = provider.CreateConnectionManager();
        using var listener = manager.Listen(new IPEndPoint(options.ServerAddress, 0), ConnectionOptions(options));
        Console.WriteLine($"ready cm-port={listener.LocalEndPoint.Port}");
        Console.Out.Flush();

        // The parent closing our stdin (or dying) ends the server.
        var parentGone = Task.Run(() => Console.In.ReadToEnd());
        var requestTask = listener.GetRequestAsync().AsTask();
        if (await Task.WhenAny(requestTask, parentGone).ConfigureAwait(false) != requestTask)
        {
            return 0;
        }

        using var request = await requestTask.ConfigureAwait(false);
        IRdmaConnection? connection = null;
        IMemoryRegion? region = null;
        try
        {
            // The region lives in the connection's protection domain, which exists once accepted: the
            // grant follows as a SEND (the client's RECV may come later; RNR retries cover that).
            connection = await request.AcceptAsync(ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
            region = connection.ProtectionDomain.AllocateAndRegister((int)RegionLength, MemoryAccess.RemoteRead | MemoryAccess.LocalWrite);
            Pattern.Fill(region.Span, 0);
            await SendGrantAsync(connection, region).ConfigureAwait(false);
            await Task.WhenAny(connection.Disconnected, parentGone).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            connection?.Disconnect();
            region?.Dispose();
            connection?.Dispose();
        }
    }

    public static RdmaConnectionOptions ConnectionOptions(BenchOptions options) => new()
    {
        CompletionQueueEntries = 4096,
        MaxSendWorkRequests = Math.Max(256, options.Depth * 2),
        MaxReceiveWorkRequests = 16,
        MaxScatterGatherEntries = 1,
        ReadDepth = options.ReadDepth,
        Timeout = TimeSpan.FromSeconds(20),
        AckTimeout = options.AckTimeout,
    };

    private static async Task SendGrantAsync(IRdmaConnection connection, IMemoryRegion region)
    {
        using var message = connection.ProtectionDomain.AllocateAndRegister(RegionGrant.EncodedLength, MemoryAccess.LocalWrite);
        new RegionGrant((ulong)region.Address, region.RemoteKey, RegionLength).Encode().CopyTo(message.Span);
        connection.QueuePair.PostSend(
            new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.Send, Options = SendOptions.Signaled },
            [message.Slice(0, RegionGrant.EncodedLength)]);
        var completion = await Completions.NextAsync(connection.CompletionQueue, TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        if (!completion.IsSuccess)
        {
            throw new RdmaException($"sending the region grant completed with {completion.Status}");
        }
    }
}
