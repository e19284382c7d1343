using RdmaOffload.EndToEnd.Tests.Infrastructure;
using RdmaOffload.EndToEnd.Tests.Transfers;
using RdmaOffload.Testing;

namespace RdmaOffload.EndToEnd.Tests;

/// <summary>Many concurrent downloads and uploads of random sizes through the adapter, every byte verified.</summary>
[NonParallelizable]
public sealed class IntegrityTests
{
    // 500 × up to 64 MiB on the host; the SoftRoCE VM (an emulated CPU) runs the same test scaled down.
    private static readonly int Transfers = Math.Max(8, (int)(500 * FabricUnderTest.LoadScale));
    private static readonly long MaxSize = Math.Max(1 << 20, (long)((64L << 20) * FabricUnderTest.LoadScale));

    [Test]
    public async Task Concurrent_transfers_500_of_0_B_to_64_MiB_arrive_intact_both_ways()
    {
        await using var testbed = await AcceleratedTestbed.StartAsync();
        var hosts = new[]
        {
            TransferHost.Serve(await testbed.ConnectHostAsync("host-a", maxConnections: 320)),
            TransferHost.Serve(await testbed.ConnectHostAsync("host-b", maxConnections: 320)),
        };
        var random = new Random(20261201);
        // Log-uniform sizes cover every scale from empty to 64 MiB; the extremes are always included.
        var sizes = Enumerable.Range(0, Transfers)
            .Select(i => i switch { 0 or 1 => 0L, 2 or 3 => MaxSize, _ => (long)Math.Exp(random.NextDouble() * Math.Log(MaxSize + 1)) - 1 })
            .ToArray();
        TestContext.Progress.WriteLine($"{Transfers} transfers, {sizes.Sum() / 1e6:F0} MB in all");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var service = testbed.Service(AcceleratedTestbed.TransferPort);
        var started = DateTime.UtcNow;
        var results = await Task.WhenAll(sizes.Select((size, i) => Task.Run(() => i % 2 == 0
            ? TransferClient.DownloadAsync(testbed.Clients, service, size, (ulong)i, cts.Token)
            : TransferClient.UploadAsync(testbed.Clients, service, size, (ulong)i, cts.Token))));
        TestContext.Progress.WriteLine($"done in {(DateTime.UtcNow - started).TotalSeconds:F1} s");

        var mismatches = Enumerable.Range(0, Transfers).Where(i => !results[i]).Select(i => $"#{i} {(i % 2 == 0 ? "down" : "up")} {sizes[i]} B").ToList();
        Assert.That(mismatches, Is.Empty, "transfers whose length or SHA-256 did not match");
        await Eventually.HoldsAsync(() => hosts.Sum(h => h.Served) == Transfers, TimeSpan.FromSeconds(30),
            () => $"hosts served {hosts.Sum(h => h.Served)} of {Transfers}");
        Assert.That(hosts.Sum(h => h.Aborted), Is.Zero);
        Assert.That(hosts.Select(h => h.Served), Has.All.GreaterThan(Transfers / 4), "round robin spreads the connections");
    }
}
