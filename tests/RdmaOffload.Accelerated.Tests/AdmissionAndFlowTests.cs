using System.Security.Cryptography;
using RdmaOffload.NetStack.Tcp;

namespace RdmaOffload.Accelerated.Tests;

/// <summary>Balancing across hosts, per-host connection caps and the client window following the host's reading.</summary>
[TestFixture]
[NonParallelizable]
public sealed class AdmissionAndFlowTests
{
    [Test]
    public async Task New_connections_alternate_between_two_hosts()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var first = await world.ConnectHostAsync(2);
        var second = await world.ConnectHostAsync(3);
        var servedByFirst = new List<byte[]>();
        var servedBySecond = new List<byte[]>();
        _ = EchoSizeServer.ServeAsync(first, servedByFirst);
        _ = EchoSizeServer.ServeAsync(second, servedBySecond);

        for (int i = 0; i < 10; i++)
        {
            var client = new TestClient(EchoSizeServer.Request(responseSize: 100, requestSize: 10, seed: i));
            await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
            Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
            Assert.That(client.Received, Is.EqualTo(EchoSizeServer.Response(client.Request)));
        }

        Assert.That((servedByFirst.Count, servedBySecond.Count), Is.EqualTo((5, 5)));
    }

    [Test]
    public async Task A_host_at_its_registered_connection_cap_gets_no_more_and_the_client_is_refused()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2, maxConnections: 1);
        var holding = new TestClient("first"u8.ToArray(), finishAfterRequest: false);
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, holding);
        var accepted = await host.AcceptAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout);

        var turnedAway = new TestClient("second"u8.ToArray());
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, turnedAway);
        Assert.That(await turnedAway.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.ResetByPeer));
        Assert.That(await world.Adapter.GetConnectionCountAsync(), Is.EqualTo(1));

        // Once the first connection is gone there is room again.
        accepted.Abort();
        await holding.Closed.WaitAsync(AcceleratedWorld.Timeout);
        var requests = new List<byte[]>();
        _ = EchoSizeServer.ServeAsync(host, requests);
        var third = new TestClient(EchoSizeServer.Request(responseSize: 10, requestSize: 10, seed: 3));
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, third);
        Assert.That(await third.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
        Assert.That(third.Received, Is.EqualTo(EchoSizeServer.Response(third.Request)));
    }

    [Test]
    public async Task A_host_that_does_not_read_stops_the_client_and_nothing_is_lost_when_it_reads_again()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var request = EchoSizeServer.Request(responseSize: 1, requestSize: 4 * 1024 * 1024, seed: 9);
        var client = new TestClient(request);
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        var connection = await host.AcceptAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout);

        // Nobody reads at the host: the client may fill the adapter's staging (64 KiB), the posted buffers
        // (2 × 32 KiB) and the host's input pipe (256 KiB pause threshold + one buffer), and then sees a closed window.
        await Task.Delay(1500);
        var stalledAt = client.Acknowledged;
        Assert.That(stalledAt, Is.GreaterThan(0).And.LessThan(1024 * 1024), "bytes accepted while the host does not read");
        await Task.Delay(500);
        Assert.That(client.Acknowledged, Is.EqualTo(stalledAt), "still stalled");

        var received = await EchoSizeServer.ReadToEndAsync(connection).WaitAsync(AcceleratedWorld.Timeout);
        Assert.That(SHA256.HashData(received), Is.EqualTo(SHA256.HashData(request)));
        await connection.Output.WriteAsync(EchoSizeServer.Response(received));
        await connection.DisposeAsync();
        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
    }

    [Test]
    public async Task Responses_larger_than_the_hosts_registered_send_memory_all_arrive_intact()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2, sendBufferCount: 8); // 512 KiB of send buffers for the whole link
        var requests = new List<byte[]>();
        _ = EchoSizeServer.ServeAsync(host, requests);

        await EchoSizeServer.AssertConcurrentResponsesAsync(world, count: 20, responseSize: 1024 * 1024, seed: 100);
    }

    [Test]
    public async Task Keepalive_pings_are_answered_so_an_idle_healthy_link_stays_up()
    {
        await using var world = await AcceleratedWorld.StartAsync(new TargetAdapter.TargetAdapterOptions
        {
            AdapterIdentity = "adapter-1",
            SharedSecret = AcceleratedWorld.Secret,
            ServicePorts = [AcceleratedWorld.ServicePort],
            KeepaliveInterval = TimeSpan.FromMilliseconds(50),
            KeepaliveTimeout = TimeSpan.FromMilliseconds(500),
        });
        var host = await world.ConnectHostAsync(2);
        var requests = new List<byte[]>();
        _ = EchoSizeServer.ServeAsync(host, requests);

        await Task.Delay(1500); // many keepalive intervals of silence from the host's side

        Assert.That(host.Failed.IsCompleted, Is.False, "the link is still up");
        var roundTrips = await world.Adapter.GetKeepaliveRoundTripsAsync();
        Assert.That(roundTrips, Has.Length.EqualTo(1));
        Assert.That(roundTrips[0], Is.Not.Null, "the adapter pinged the silent host and got its pong");
        var client = new TestClient(EchoSizeServer.Request(responseSize: 1000, requestSize: 10, seed: 5));
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
        Assert.That(client.Received, Is.EqualTo(EchoSizeServer.Response(client.Request)));
    }
}
