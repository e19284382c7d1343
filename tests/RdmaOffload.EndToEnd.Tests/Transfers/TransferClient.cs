using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using RdmaOffload.Testing;

namespace RdmaOffload.EndToEnd.Tests.Transfers;

/// <summary>The client side of the transfer tests: a Linux kernel TCP socket inside the client namespace.</summary>
internal static class TransferClient
{
    /// <summary>Downloads <paramref name="size"/> bytes and returns whether length and SHA-256 match.</summary>
    public static async Task<bool> DownloadAsync(NetworkNamespace clients, IPEndPoint service, long size, ulong seed, CancellationToken cancellationToken)
    {
        using var socket = await clients.ConnectAsync(service, cancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"D {size} {seed}\n")), SocketFlags.None, cancellationToken);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[256 * 1024];
        long received = 0;
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                break;
            }

            hash.AppendData(buffer, 0, n);
            received += n;
        }

        return received == size && hash.GetHashAndReset().AsSpan().SequenceEqual(Pattern.Sha256(seed, size));
    }

    /// <summary>Uploads <paramref name="size"/> bytes and returns whether the host's SHA-256 matches.</summary>
    public static async Task<bool> UploadAsync(NetworkNamespace clients, IPEndPoint service, long size, ulong seed, CancellationToken cancellationToken)
    {
        using var socket = await clients.ConnectAsync(service, cancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"U {size}\n")), SocketFlags.None, cancellationToken);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[256 * 1024];
        for (long offset = 0; offset < size; offset += chunk.Length)
        {
            var n = (int)Math.Min(chunk.Length, size - offset);
            Pattern.Fill(seed, offset, chunk.AsSpan(0, n));
            hash.AppendData(chunk, 0, n);
            await socket.SendAsync(chunk.AsMemory(0, n), SocketFlags.None, cancellationToken);
        }

        var expected = Convert.ToHexString(hash.GetHashAndReset());
        var answer = new StringBuilder();
        var reply = new byte[128];
        while (true)
        {
            var n = await socket.ReceiveAsync(reply, SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                break;
            }

            answer.Append(Encoding.ASCII.GetString(reply, 0, n));
        }

        return answer.ToString().Trim() == expected;
    }
}
