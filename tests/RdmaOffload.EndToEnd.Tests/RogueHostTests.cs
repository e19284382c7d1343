using System.Security.Authentication;
using RdmaOffload.EndToEnd.Tests.Infrastructure;
using RdmaOffload.EndToEnd.Tests.Transfers;
using RdmaOffload.Verbs;

namespace RdmaOffload.EndToEnd.Tests;

/// <summary>Hosts that cannot authenticate or send garbage are dropped; the adapter and the good hosts carry on.</summary>
[NonParallelizable]
public sealed class RogueHostTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_host_with_the_wrong_secret_gets_nothing_and_clients_are_served_by_the_good_host()
    {
        await using var testbed = await AcceleratedTestbed.StartAsync();
        var wrong = "a different secret, also 32 byte"u8.ToArray();
        var failure = Assert.CatchAsync(async () => await testbed.ConnectHostAsync("impostor", secret: wrong));
        Assert.That(failure, Is.InstanceOf<AuthenticationException>().Or.InstanceOf<IOException>());
        Assert.That(await testbed.AdminAsync("hosts"), Does.Contain("0 host link(s)"));

        _ = TransferHost.Serve(await testbed.ConnectHostAsync("honest"));
        using var cts = new CancellationTokenSource(Timeout);
        Assert.That(await TransferClient.DownloadAsync(testbed.Clients, testbed.Service(AcceleratedTestbed.TransferPort), 1 << 20, 3, cts.Token), Is.True);
        var hosts = await testbed.AdminAsync("hosts");
        Assert.That(hosts, Does.Contain("honest").And.Not.Contain("impostor"));
    }

    [TestCase(RogueMessage.RandomBytes)]
    [TestCase(RogueMessage.HugeLengthHeader)]
    [TestCase(RogueMessage.TruncatedHeader)]
    [TestCase(RogueMessage.MessageBeforeHello)]
    public async Task Garbage_from_one_host_drops_that_host_while_another_keeps_a_transfer_going(RogueMessage message)
    {
        await using var testbed = await AcceleratedTestbed.StartAsync();
        var good = TransferHost.Serve(await testbed.ConnectHostAsync("good"));
        using var cts = new CancellationTokenSource(Timeout);
        var service = testbed.Service(AcceleratedTestbed.TransferPort);
        var download = TransferClient.DownloadAsync(testbed.Clients, service, 200L << 20, 11, cts.Token);

        using var rogue = await testbed.CreateHostConnectionManager().ConnectAsync(testbed.LinkEndPoint, new RdmaConnectionOptions(), ReadOnlyMemory<byte>.Empty);
        using var memory = rogue.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.LocalWrite);
        var length = RogueMessages.Write(message, memory.Span);
        rogue.QueuePair.PostSend(new SendWorkRequest { Opcode = SendOpcode.Send, Options = SendOptions.Signaled, WorkRequestId = 1 },
            [new ScatterGatherEntry((ulong)memory.Address, (uint)length, memory.LocalKey)]);

        // The adapter closes the rogue link (the connection is disconnected), and says why.
        Assert.That(await Task.WhenAny(rogue.Disconnected, Task.Delay(Timeout)), Is.SameAs(rogue.Disconnected), "the adapter should drop the rogue host");
        Assert.That(await download, Is.True, "the good host's download must finish intact");
        Assert.That(await TransferClient.UploadAsync(testbed.Clients, service, 5 << 20, 12, cts.Token), Is.True);
        var hosts = await testbed.AdminAsync("hosts");
        Assert.That(hosts, Does.Contain("good").And.Contain("1 host link(s)"));
        Assert.That(testbed.Adapter.HasExited, Is.False);
        Assert.That(good.Aborted, Is.Zero);
    }
}
