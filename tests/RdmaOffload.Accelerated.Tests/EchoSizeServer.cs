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
