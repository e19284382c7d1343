using System.Buffers;
using RdmaOffload.HostAgent;
using RdmaOffload.NetStack.Api;
using RdmaOffload.TargetAdapter;

namespace RdmaOffload.Accelerated.Tests;

/// <summary>
/// A host link's staging slots must all be usable, however many of them add up to more than 2 GiB. The staging was
/// one region addressed with 32-bit offsets, so at the default 320 KiB per slot every connection from the 6,554th
/// on (slot × 320 KiB ≥ 2 GiB) stalled: its bytes were never staged and it hung with a zero-byte log line.
/// Here the slots are made large, so the same boundary is crossed with a handful of connections.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class StagingBeyondTwoGibTests
{
    private const int Connections = 20;
    private const int RequestSize = 64;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    [Test]
    public async Task Every_connection_carries_bytes_both_ways_when_the_slots_add_up_to_more_than_2_GiB()
    {
        // 128 MiB + 64 KiB per slot: slot 16 starts past 2 GiB, and 20 open connections occupy slots 0-19 at once.
        var options = new TargetAdapterOptions
        {
            AdapterIdentity = "adapter-1",
            SharedSecret = AcceleratedWorld.Secret,
            ServicePorts = [AcceleratedWorld.ServicePort],
            MaxConnectionsPerHost = Connections,
            ReadStagingSize = 128 * 1024 * 1024,
        };
        Assert.That((long)Connections * (options.WriteStagingSize + options.ReadStagingSize), Is.GreaterThan((long)int.MaxValue));
        await using var world = await AcceleratedWorld.StartAsync(options);
        var host = await world.ConnectHostAsync(2);

        // The clients send their requests and keep their connections open, so all of them hold a slot together.
        var clients = Enumerable.Range(0, Connections)
            .Select(i => new TestClient(EchoSizeServer.Request(responseSize: 20_000, requestSize: RequestSize, seed: 100 + i), finishAfterRequest: false))
            .ToList();
        foreach (var client in clients)
        {
            await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        }

        var accepted = new List<AcceleratedConnection>();
        for (int i = 0; i < Connections; i++)
        {
            accepted.Add(await host.AcceptAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout));
        }

        Assert.That(await world.Adapter.GetConnectionCountAsync(), Is.EqualTo(Connections));
        var reads = accepted.Select(ReadRequestAsync).ToList();
        await Task.WhenAny(Task.WhenAll(reads), Task.Delay(RequestTimeout));
        var stalled = accepted.Where((_, i) => !reads[i].IsCompletedSuccessfully).Select(c => c.RemoteEndPoint.ToString()).ToList();
        Assert.That(stalled, Is.Empty, "connections whose request never reached the host");
        var requestsSeen = reads.Select(r => r.Result).ToList();
        Assert.That(requestsSeen, Is.EquivalentTo(clients.Select(c => c.Request)));

        foreach (var (connection, request) in accepted.Zip(requestsSeen))
        {
            await connection.Output.WriteAsync(EchoSizeServer.Response(request));
            await connection.Output.CompleteAsync();
        }

        foreach (var client in clients)
        {
            await client.ReceiveClosed.WaitAsync(AcceleratedWorld.Timeout);
            Assert.That(client.Received, Is.EqualTo(EchoSizeServer.Response(client.Request)));
            await world.Link.InvokeAsync(() =>
            {
                client.Connection!.CloseSend();
                return 0;
            });
        }

        foreach (var (client, connection) in clients.Zip(accepted))
        {
            Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(NetStack.Tcp.TcpCloseReason.Graceful));
            await connection.DisposeAsync();
        }
    }

    private static async Task<byte[]> ReadRequestAsync(AcceleratedConnection connection)
    {
        var read = await connection.Input.ReadAtLeastAsync(RequestSize);
        var request = read.Buffer.Slice(0, RequestSize).ToArray();
        connection.Input.AdvanceTo(read.Buffer.GetPosition(RequestSize));
        return request;
    }
}
