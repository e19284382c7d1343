using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using RdmaOffload.HostAgent;

namespace RdmaOffload.Accelerated.Tests;

/// <summary>
/// The host application of the tests: reads the whole request (to end of stream), then answers with as many
/// bytes as the request's first four bytes ask for — a deterministic pattern seeded by the request's hash.
/// </summary>
internal static class EchoSizeServer
{
    public static byte[] Response(byte[] request)
    {
        var size = BinaryPrimitives.ReadInt32BigEndian(request);
        var data = new byte[size];
        new Random(BinaryPrimitives.ReadInt32BigEndian(SHA256.HashData(request))).NextBytes(data);
        return data;
    }

    public static byte[] Request(int responseSize, int requestSize, int seed)
    {
        var request = new byte[Math.Max(requestSize, 4)];
        new Random(seed).NextBytes(request);
        BinaryPrimitives.WriteInt32BigEndian(request, responseSize);
        return request;
    }

    /// <summary>
    /// Opens <paramref name="count"/> client connections at once, each asking for <paramref name="responseSize"/>
    /// bytes, and asserts every one closes gracefully with exactly its response.
    /// </summary>
    public static async Task AssertConcurrentResponsesAsync(AcceleratedWorld world, int count, int responseSize, int seed)
    {
        var clients = Enumerable.Range(0, count)
            .Select(i => new TestClient(Request(responseSize, requestSize: 64, seed: seed + i)))
            .ToList();
        foreach (var client in clients)
        {
            await world.Link.ConnectAsync(AcceleratedWorld.ServicePort, client);
        }

        foreach (var client in clients)
        {
            Assert.That(await client.Closed.WaitAsync(AcceleratedWorld.Timeout), Is.EqualTo(NetStack.Tcp.TcpCloseReason.Graceful));
            Assert.That(SHA256.HashData(client.Received), Is.EqualTo(SHA256.HashData(Response(client.Request))));
        }
    }

    /// <summary>Serves every accepted connection until the listener fails; returns the requests seen.</summary>
    public static async Task ServeAsync(AcceleratedListener listener, List<byte[]> requests)
    {
        while (true)
        {
            AcceleratedConnection connection;
            try
            {
                connection = await listener.AcceptAsync();
            }
            catch (Exception e) when (e is IOException or System.Threading.Channels.ChannelClosedException or OperationCanceledException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                var request = await ReadToEndAsync(connection);
                lock (requests)
                {
                    requests.Add(request);
                }

                await connection.Output.WriteAsync(Response(request));
                await connection.DisposeAsync();
            });
        }
    }

    public static async Task<byte[]> ReadToEndAsync(AcceleratedConnection connection)
    {
        using var received = new MemoryStream();
        while (true)
        {
            var result = await connection.Input.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                received.Write(segment.Span);
            }

            connection.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return received.ToArray();
            }
        }
    }
}
