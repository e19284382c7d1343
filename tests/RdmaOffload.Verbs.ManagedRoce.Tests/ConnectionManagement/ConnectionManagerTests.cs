using System.Net;
using System.Text;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.ConnectionManagement;

[NonParallelizable]
public sealed class ConnectionManagerTests
{
    private static readonly RdmaConnectionOptions Options = new() { Timeout = TimeSpan.FromSeconds(20) };

    private static ManagedRoceProvider Provider(string address) =>
        new(new ManagedRoceOptions { Devices = [new ManagedRoceDeviceOptions { Name = "mroce-" + address, BindAddress = IPAddress.Parse(address), Port = 0 }] });

    [Test]
    public async Task Peers_in_different_providers_on_different_addresses_connect_and_carry_a_write()
    {
        using var serverProvider = Provider("127.0.0.2");
        using var clientProvider = Provider("127.0.0.1");
        using var serverManager = serverProvider.CreateConnectionManager();
        using var clientManager = clientProvider.CreateConnectionManager();
        using var listener = serverManager.Listen(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0), Options);
        var connecting = clientManager.ConnectAsync(listener.LocalEndPoint, Options, Encoding.ASCII.GetBytes("hi"));
        using var request = await listener.GetRequestAsync();
        Assert.That(request.RemoteEndPoint.Address, Is.EqualTo(IPAddress.Loopback), "the rendezvous leaves from the client's device address");
        var accepting = request.AcceptAsync(Encoding.ASCII.GetBytes("welcome"));
        using var client = await connecting;
        using var server = await accepting;
        Assert.That(Encoding.ASCII.GetString(client.RemotePrivateData.Span), Is.EqualTo("welcome"));

        using var source = client.ProtectionDomain.AllocateAndRegister(1 << 16, MemoryAccess.LocalWrite);
        using var target = server.ProtectionDomain.AllocateAndRegister(1 << 16, MemoryAccess.LocalWrite | MemoryAccess.RemoteWrite);
        new Random(3).NextBytes(source.Span);
        client.QueuePair.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaWrite, RemoteAddress = (ulong)target.Address, RemoteKey = target.RemoteKey }, [source.Slice(0, 1 << 16)]);
        var completions = new WorkCompletion[1];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (client.CompletionQueue.Poll(completions) == 0)
        {
            await client.CompletionQueue.WaitAsync(0, deadline.Token);
        }

        Assert.That(completions[0].Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(target.Span.SequenceEqual(source.Span), Is.True);

        server.Disconnect();
        await client.Disconnected.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(client.QueuePair.QueryState(), Is.EqualTo(QueuePairState.Error));
    }

    [Test]
    public async Task The_options_ack_timeout_and_retry_count_reach_the_queue_pair()
    {
        var options = Options with { AckTimeout = 10, RetryCount = 2 };
        using var serverProvider = Provider("127.0.0.2");
        using var clientProvider = Provider("127.0.0.1");
        using var serverManager = serverProvider.CreateConnectionManager();
        using var clientManager = clientProvider.CreateConnectionManager();
        using var listener = serverManager.Listen(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0), options);
        var connecting = clientManager.ConnectAsync(listener.LocalEndPoint, options, ReadOnlyMemory<byte>.Empty);
        using var request = await listener.GetRequestAsync();
        var accepting = request.AcceptAsync(ReadOnlyMemory<byte>.Empty);
        using var client = await connecting;
        using var server = await accepting;
        server.QueuePair.ModifyToError(); // silent from now on

        using var source = client.ProtectionDomain.AllocateAndRegister(64, MemoryAccess.LocalWrite);
        client.QueuePair.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaWrite, Options = SendOptions.Signaled, RemoteAddress = 1, RemoteKey = 1 }, [source.Slice(0, 64)]);
        var completions = new WorkCompletion[1];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (client.CompletionQueue.Poll(completions) == 0)
        {
            await client.CompletionQueue.WaitAsync(0, deadline.Token);
        }

        Assert.That(completions[0].Status, Is.EqualTo(WorkCompletionStatus.RetryExceededError));
        var counters = ((ManagedQueuePair)client.QueuePair).Counters;
        Assert.That(counters.Timeouts, Is.EqualTo(options.RetryCount + 1), "the first timeout and one per retry, then the error");
        Assert.That(counters.Retransmissions, Is.EqualTo(options.RetryCount));
    }

    [Test]
    public void Every_connection_object_is_counted_and_released()
    {
        using var provider = Provider("127.0.0.1");
        using (var manager = provider.CreateConnectionManager())
        using (manager.Listen(new IPEndPoint(IPAddress.Loopback, 0), Options))
        {
            Assert.That(provider.GetLiveResourceCounts().ConnectionIds, Is.EqualTo(1));
        }

        Assert.That(provider.GetLiveResourceCounts(), Is.EqualTo(default(FabricResourceCounts)));
    }
}
