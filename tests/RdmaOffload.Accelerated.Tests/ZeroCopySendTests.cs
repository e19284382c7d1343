using System.Security.Cryptography;
using RdmaOffload.HostAgent;
using RdmaOffload.NetStack.Api;
using RdmaOffload.NetStack.Tcp;

namespace RdmaOffload.Accelerated.Tests;

/// <summary>Host → client bytes read by the adapter straight out of registered pipe segments and application regions.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ZeroCopySendTests
{
    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A client sends one byte and FIN; returns it and the host's connection once the request was read.</summary>
    private static async Task<(TestClient Client, AcceleratedConnection Connection)> OpenAfterRequestAsync(AcceleratedWorld world, AcceleratedListener host)
    {
        var client = new TestClient("x"u8.ToArray());
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        var connection = await host.AcceptAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout);
        _ = await EchoSizeServer.ReadToEndAsync(connection).WaitAsync(AcceleratedWorld.Timeout);
        return (client, connection);
    }

    [Test]
    public async Task Output_writes_are_read_by_the_adapter_from_registered_memory_without_a_copy()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var (client, connection) = await OpenAfterRequestAsync(world, host);

        var response = Pattern(1024 * 1024, 1);
        await connection.Output.WriteAsync(response);
        await connection.DisposeAsync();

        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
        Assert.That(SHA256.HashData(client.Received), Is.EqualTo(SHA256.HashData(response)));
        Assert.That((host.BytesSentInPlace, host.BytesSentByCopy), Is.EqualTo((1024L * 1024, 0L)), "every byte read in place");
        Assert.That(host.MemoryPool.RentedBlocks, Is.Zero, "the pipe returned every block once acknowledged");
    }

    [Test]
    public async Task Segments_outside_registered_memory_are_copied_and_keep_their_place_in_the_stream()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var (client, connection) = await OpenAfterRequestAsync(world, host);

        var head = Pattern(5000, 2);
        var large = Pattern(300_000, 3); // larger than a pool block: the pipe takes it from the unregistered array pool
        var tail = Pattern(7000, 4);
        await connection.Output.WriteAsync(head);
        var memory = connection.Output.GetMemory(large.Length);
        Assert.That(host.MemoryPool.TryGetRemote(memory, out _, out _), Is.False, "the pipe's oversized segment is foreign memory");
        large.CopyTo(memory);
        connection.Output.Advance(large.Length);
        await connection.Output.FlushAsync();
        await connection.Output.WriteAsync(tail);
        await connection.DisposeAsync();

        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
        Assert.That(client.Received, Is.EqualTo(head.Concat(large).Concat(tail).ToArray()));
        // The tail lands in the free end of the oversized segment, so it is copied too.
        Assert.That(host.BytesSentByCopy, Is.EqualTo(large.Length + tail.Length));
        Assert.That(host.BytesSentInPlace, Is.EqualTo(head.Length));
    }

    [Test]
    public async Task SendAsync_sends_a_registered_region_after_flushed_output_and_completes_once_the_client_has_it()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var (client, connection) = await OpenAfterRequestAsync(world, host);

        var head = "head:"u8.ToArray();
        var body = Pattern(3 * 1024 * 1024, 5);
        using var region = host.MemoryPool.AllocateRegion(body.Length);
        body.CopyTo(region.Memory);
        Assert.That(() => connection.SendAsync(new byte[10]), Throws.ArgumentException, "unregistered memory is refused");

        await connection.Output.WriteAsync(head);
        await connection.SendAsync(region.Memory).AsTask().WaitAsync(AcceleratedWorld.Timeout);
        var receivedWhenDone = await world.Link.InvokeAsync(() => client.Received.Length);
        Assert.That(receivedWhenDone, Is.EqualTo(head.Length + body.Length), "completion means the client acknowledged every byte");

        await connection.Output.WriteAsync("tail"u8.ToArray());
        await connection.DisposeAsync();
        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
        Assert.That(SHA256.HashData(client.Received), Is.EqualTo(SHA256.HashData(head.Concat(body).Concat("tail"u8.ToArray()).ToArray())));
        Assert.That(host.BytesSentByCopy, Is.Zero);
    }

    [Test]
    public async Task Unacknowledged_output_is_bounded_by_the_pipe_and_writes_wait_until_the_client_reads()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var client = new WithholdingClient();
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        var connection = await host.AcceptAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout);

        var response = Pattern(4 * 1024 * 1024, 6);
        const int chunk = 64 * 1024;
        var writing = Task.Run(async () =>
        {
            for (int offset = 0; offset < response.Length; offset += chunk)
            {
                await connection.Output.WriteAsync(response.AsMemory(offset, chunk));
            }
        });

        await Task.Delay(1500);
        Assert.That(writing.IsCompleted, Is.False, "the writer waits while the client does not read");
        var heldBytes = host.MemoryPool.RentedBlocks * host.MemoryPool.BlockSize;
        var bound = host.MemoryPool.BlockSize * 2 + chunk + (256 * 1024);
        Assert.That(heldBytes, Is.GreaterThan(0).And.LessThanOrEqualTo(bound), "registered bytes held ≤ pause threshold + one write");

        world.Link.Post(client.StartReading);
        await writing.WaitAsync(AcceleratedWorld.Timeout);
        await connection.DisposeAsync();
        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
        Assert.That(SHA256.HashData(client.Received), Is.EqualTo(SHA256.HashData(response)));
    }

    [Test]
    public async Task Closing_while_the_client_does_not_read_resets_it_after_the_timeout_and_returns_every_block()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var client = new WithholdingClient();
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        var connection = await host.AcceptAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout);
        // More than the client's window, the adapter's read ring and the output threshold together: the flush waits.
        var writing = connection.Output.WriteAsync(new byte[1024 * 1024]).AsTask();
        await Task.Delay(500);
        Assert.That(writing.IsCompleted, Is.False, "the flush waits for acknowledgments");

        var closing = connection.DisposeAsync(TimeSpan.FromMilliseconds(500)).AsTask();

        await closing.WaitAsync(AcceleratedWorld.Timeout);

        // The adapter's RST may fall outside a zero receive window, so the client opens its window again; either
        // way it must end up reset, never see a graceful end.
        world.Link.Post(client.StartReading);
        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.ResetByPeer));
        Assert.That(async () => await writing.WaitAsync(AcceleratedWorld.Timeout), Throws.InstanceOf<Exception>(), "the stalled writer fails");
        Assert.That(host.MemoryPool.RentedBlocks, Is.Zero);
    }

    [Test]
    public async Task A_reset_while_sends_are_in_flight_fails_the_writer_and_returns_every_block()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var client = new WithholdingClient();
        var tcp = await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        var connection = await host.AcceptAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout);
        using var region = host.MemoryPool.AllocateRegion(1024 * 1024);
        var direct = connection.SendAsync(region.Memory).AsTask();
        var writing = Task.Run(async () =>
        {
            while (true)
            {
                await connection.Output.WriteAsync(new byte[64 * 1024]);
            }
        });
        await Task.Delay(500);

        world.Link.Post(tcp.Abort);

        Assert.That(async () => await direct.WaitAsync(AcceleratedWorld.Timeout), Throws.InstanceOf<IOException>());
        Assert.That(async () => await writing.WaitAsync(AcceleratedWorld.Timeout), Throws.InstanceOf<IOException>());
        await connection.Closed.WaitAsync(AcceleratedWorld.Timeout);
        await connection.DisposeAsync();
        Assert.That(host.MemoryPool.RentedBlocks, Is.Zero);
    }

    [Test]
    public async Task With_the_pool_exhausted_output_falls_back_to_copies_through_few_send_buffers_and_stays_intact()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var tinyPool = new HostAgent.Memory.RegisteredMemoryPoolOptions { BlockSize = 4096, BlocksPerSlab = 4, MaxSlabs = 1 };
        var host = await world.ConnectHostAsync(2, sendBufferCount: 8, memoryPool: tinyPool);
        var requests = new List<byte[]>();
        _ = EchoSizeServer.ServeAsync(host, requests);

        await EchoSizeServer.AssertConcurrentResponsesAsync(world, count: 20, responseSize: 1024 * 1024, seed: 200);

        Assert.That(host.MemoryPool.UnregisteredRents, Is.GreaterThan(0), "the pool hit its bound");
        Assert.That(host.BytesSentByCopy, Is.GreaterThan(0), "unregistered segments were copied");
        Assert.That(host.BytesSentInPlace + host.BytesSentByCopy, Is.EqualTo(20L * 1024 * 1024));
    }

    [Test]
    public async Task Cancelling_a_SendAsync_not_yet_handed_to_the_adapter_withdraws_it_and_the_rest_still_arrives()
    {
        await using var world = await AcceleratedWorld.StartAsync();
        var host = await world.ConnectHostAsync(2);
        var client = new WithholdingClient();
        await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        var connection = await host.AcceptAsync().AsTask().WaitAsync(AcceleratedWorld.Timeout);

        // 40 × 64 KiB: the client's window and the adapter's ring take a few, 16 descriptors are in flight, the last wait.
        const int count = 40;
        const int size = 64 * 1024;
        using var region = host.MemoryPool.AllocateRegion(count * size);
        for (int i = 0; i < count; i++)
        {
            region.Memory.Span.Slice(i * size, size).Fill((byte)i);
        }

        using var cancel = new CancellationTokenSource();
        var sends = Enumerable.Range(0, count)
            .Select(i => connection.SendAsync(region.Memory.Slice(i * size, size), i == count - 1 ? cancel.Token : default).AsTask())
            .ToList();
        await Task.Delay(500);
        cancel.Cancel();

        Assert.That(async () => await sends[^1].WaitAsync(AcceleratedWorld.Timeout), Throws.InstanceOf<OperationCanceledException>());
        world.Link.Post(client.StartReading);
        await Task.WhenAll(sends.Take(count - 1)).WaitAsync(AcceleratedWorld.Timeout);
        await connection.DisposeAsync();
        Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
        var expected = region.Memory[..((count - 1) * size)].ToArray();
        Assert.That(SHA256.HashData(client.Received), Is.EqualTo(SHA256.HashData(expected)), "every buffer but the withdrawn one, in order");
    }
}
