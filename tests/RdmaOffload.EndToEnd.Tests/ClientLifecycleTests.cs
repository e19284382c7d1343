using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using RdmaOffload.EndToEnd.Tests.Infrastructure;
using RdmaOffload.EndToEnd.Tests.Transfers;
using RdmaOffload.Testing;

namespace RdmaOffload.EndToEnd.Tests;

/// <summary>Clients that stop reading or abort: memory stays bounded, the host hears about it.</summary>
[NonParallelizable]
public sealed class ClientLifecycleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Test]
    public async Task A_client_that_stops_reading_a_1_GiB_download_for_10_s_keeps_memory_bounded_and_then_gets_it_intact()
    {
        const long Size = 1L << 30;
        await using var testbed = await AcceleratedTestbed.StartAsync();
        var host = TransferHost.Serve(await testbed.ConnectHostAsync("host-slow"));
        using var socket = await testbed.Clients.ConnectAsync(testbed.Service(AcceleratedTestbed.TransferPort));
        socket.ReceiveBufferSize = 256 * 1024; // as a small client would; the kernel doubles it
        await socket.SendAsync(Encoding.ASCII.GetBytes($"D {Size} 99\n"), SocketFlags.None);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[256 * 1024];
        long received = 0;
        while (received < 8 << 20)
        {
            received += await ReceiveAsync(socket, buffer, hash);
        }

        // Stop reading for 10 s: the TCP window closes, the adapter stops READing, the host's writes block.
        var adapterBefore = testbed.Adapter.ResidentBytes();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var generatedDuringStall = host.BytesGenerated - received;
        var adapterGrowth = testbed.Adapter.ResidentBytes() - adapterBefore;
        TestContext.Progress.WriteLine($"stalled: host ahead of the client by {generatedDuringStall / 1024} KiB, adapter RSS grew {adapterGrowth / 1024} KiB");
        Assert.That(generatedDuringStall, Is.LessThan(48L << 20), "the host may run ahead only by its pipes, registered send buffers and the TCP windows");
        Assert.That(adapterGrowth, Is.LessThan(32L << 20), "the adapter buffers nothing beyond its fixed staging while the client is stalled");

        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var n = await ReceiveAsync(socket, buffer, hash, cts.Token);
            if (n == 0)
            {
                break;
            }

            received += n;
        }

        Assert.That(received, Is.EqualTo(Size));
        Assert.That(hash.GetHashAndReset(), Is.EqualTo(Pattern.Sha256(99, Size)));
    }

    [Test]
    public async Task A_client_reset_mid_download_reaches_the_host_promptly()
    {
        await using var testbed = await AcceleratedTestbed.StartAsync();
        var host = TransferHost.Serve(await testbed.ConnectHostAsync("host-abort"));
        var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.ConnectionFailed += (_, e) => failed.TrySetResult(e);
        var socket = await testbed.Clients.ConnectAsync(testbed.Service(AcceleratedTestbed.TransferPort));
        await socket.SendAsync(Encoding.ASCII.GetBytes($"D {1L << 30} 5\n"), SocketFlags.None);
        var buffer = new byte[64 * 1024];
        Assert.That(await socket.ReceiveAsync(buffer, SocketFlags.None), Is.GreaterThan(0));

        socket.LingerState = new LingerOption(true, 0); // close → RST
        var resetAt = DateTime.UtcNow;
        socket.Close();
        var seen = await Task.WhenAny(failed.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.That(seen, Is.SameAs(failed.Task), "the host should see the client's reset");
        Assert.That(DateTime.UtcNow - resetAt, Is.LessThan(TimeSpan.FromSeconds(2)));
        TestContext.Progress.WriteLine($"host saw: {failed.Task.Result.GetType().Name}: {failed.Task.Result.Message}");
        await Eventually.HoldsAsync(() => testbed.Adapter.CountLines("finished: .*(Reset|reset)") == 1, TimeSpan.FromSeconds(10),
            () => "the adapter should log the connection as finished by a reset");
    }

    private static async Task<int> ReceiveAsync(Socket socket, byte[] buffer, IncrementalHash hash, CancellationToken cancellationToken = default)
    {
        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        hash.AppendData(buffer, 0, n);
        return n;
    }
}
