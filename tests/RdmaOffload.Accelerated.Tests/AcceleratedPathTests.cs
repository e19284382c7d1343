using System.Buffers;
using System.Security.Authentication;
using System.Security.Cryptography;
using RdmaOffload.NetStack.Tcp;

namespace RdmaOffload.Accelerated.Tests;

/// <summary>Client TCP terminated in the adapter's NetStack, payload moved to and from a host by managed-roce RDMA.</summary>
[TestFixture]
[NonParallelizable]
public sealed class AcceleratedPathTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(64 * 1024)]
    [TestCase(4 * 1024 * 1024)]
    public async Task Request_arrives_at_the_host_intact_and_the_response_returns_intact(int responseSize)
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var requests = new List<byte[]>();
        var serving = EchoSizeServer.ServeAsync(host, requests);

        var request = EchoSizeServer.Request(responseSize, requestSize: 200_000, seed: responseSize);
        var client = new TestClient(request);
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);

        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
        Assert.That(world.Link.Failure, Is.Null);
        Assert.That(requests, Has.Count.EqualTo(1));
        Assert.That(SHA256.HashData(requests[0]), Is.EqualTo(SHA256.HashData(request)), "request bytes at the host");
        var expected = EchoSizeServer.Response(request);
        Assert.That(client.Received, Has.Length.EqualTo(responseSize));
        Assert.That(SHA256.HashData(client.Received), Is.EqualTo(SHA256.HashData(expected)), "response bytes at the client");
        Assert.That(serving.IsFaulted, Is.False);
    }

    [Test]
    public async Task Fifty_concurrent_connections_are_all_intact()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var requests = new List<byte[]>();
        _ = EchoSizeServer.ServeAsync(host, requests);

        var clients = Enumerable.Range(0, 50)
            .Select(i => new TestClient(EchoSizeServer.Request(responseSize: 1000 + (i * 5000), requestSize: 100 + (i * 997), seed: i)))
            .ToList();
        foreach (var client in clients)
        {
            await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        }

        foreach (var client in clients)
        {
            Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
            Assert.That(SHA256.HashData(client.Received), Is.EqualTo(SHA256.HashData(EchoSizeServer.Response(client.Request))));
        }

        Assert.That(requests, Has.Count.EqualTo(50));
        Assert.That(world.Link.Failure, Is.Null);
        Assert.That(await world.Adapter.GetConnectionCountAsync(), Is.Zero, "the correlator forgot every finished connection");
    }

    [Test]
    public async Task Client_close_is_end_of_stream_at_the_host_and_the_host_can_still_answer()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var client = new TestClient("hello"u8.ToArray(), finishAfterRequest: true);
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);

        var connection = await host.AcceptAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout);
        Assert.That(connection.RemoteEndPoint.Address.ToString(), Is.EqualTo("10.99.0.1"), "the client's real address");
        Assert.That(connection.LocalEndPoint.Port, Is.EqualTo(AcceleratedWorld.ServicePort));
        var request = await EchoSizeServer.ReadToEndAsync(connection).WaitAsync(AcceleratedWorld.Timeout);
        Assert.That(request, Is.EqualTo("hello"u8.ToArray()));

        await connection.Output.WriteAsync("bye"u8.ToArray());
        await connection.DisposeAsync();
        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
        Assert.That(client.Received, Is.EqualTo("bye"u8.ToArray()));
    }

    [Test]
    public async Task Host_abort_resets_the_client()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var client = new TestClient("ping"u8.ToArray(), finishAfterRequest: false);
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        var connection = await host.AcceptAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout);

        connection.Abort();

        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.ResetByPeer));
        await connection.Closed.WaitAsync(AcceleratedWorld.Timeout);
    }

    [Test]
    public async Task Client_reset_fails_the_hosts_input()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var client = new TestClient("ping"u8.ToArray(), finishAfterRequest: false);
        var tcp = await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        var connection = await host.AcceptAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout);

        world.Link.Post(tcp.Abort);

        Assert.That(async () => await EchoSizeServer.ReadToEndAsync(connection).WaitAsync(AcceleratedWorld.Timeout), Throws.InstanceOf<IOException>());
        await connection.Closed.WaitAsync(AcceleratedWorld.Timeout);
    }

    [Test]
    public async Task A_host_with_the_wrong_secret_is_rejected_and_gets_no_connections()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        Assert.That(
            async () => await world.ConnectHostAsync(3, secret: "not the right secret, 32 bytes.."u8.ToArray()),
            Throws.InstanceOf<AuthenticationException>());

        var client = new TestClient("anyone there?"u8.ToArray());
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.ResetByPeer), "no host: the adapter refuses the client");
        Assert.That(client.Received, Is.Empty);
    }

    [Test]
    public async Task Losing_the_host_link_resets_its_clients()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var client = new TestClient("ping"u8.ToArray(), finishAfterRequest: false);
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        _ = await host.AcceptAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout);

        await host.DisposeAsync();

        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.ResetByPeer));
    }

    [Test]
    public async Task Host_closes_first_then_the_client_and_both_ends_finish_gracefully()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var client = new TestClient("hello"u8.ToArray(), finishAfterRequest: false);
        var tcp = await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        var connection = await host.AcceptAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout);

        var read = await connection.Input.ReadAtLeastAsync(5).AsTask().WaitAsync(AcceleratedWorld.Timeout);
        Assert.That(read.Buffer.ToArray(), Is.EqualTo("hello"u8.ToArray()));
        connection.Input.AdvanceTo(read.Buffer.End);
        await connection.Output.WriteAsync("bye"u8.ToArray());
        await connection.Output.CompleteAsync(); // FIN from the host first

        await client.ReceiveClosed.WaitAsync(AcceleratedWorld.Timeout);
        Assert.That(client.Received, Is.EqualTo("bye"u8.ToArray()));
        Assert.That(client.Closed.IsCompleted, Is.False, "the client may still send");

        world.Link.Post(tcp.CloseSend);
        var rest = await connection.Input.ReadAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout);
        Assert.That(rest.IsCompleted && rest.Buffer.IsEmpty, Is.True, "end of stream at the host");
        connection.Input.AdvanceTo(rest.Buffer.End);
        await connection.Closed.WaitAsync(AcceleratedWorld.Timeout);
        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
        Assert.That(await world.Adapter.GetConnectionCountAsync(), Is.Zero);
    }
}
