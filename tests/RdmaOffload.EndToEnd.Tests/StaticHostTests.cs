using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using RdmaOffload.EndToEnd.Tests.Infrastructure;
using RdmaOffload.Testing;

namespace RdmaOffload.EndToEnd.Tests;

/// <summary>The static file sample as host processes behind the adapter service, with curl and wrk as clients.</summary>
[NonParallelizable]
public sealed class StaticHostTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Curl_gets_pages_ranges_and_files_intact_and_wrk_sees_no_errors()
    {
        Shell.RequireRootAndTools("curl", "wrk");
        using var site = new SiteFiles(("small.bin", 1000), ("big.bin", 24 << 20));
        await using var testbed = await AcceleratedTestbed.StartAsync();
        await testbed.StartStaticHostAsync("web-1", site.Root);
        var url = $"http://{testbed.ServiceAddress}";

        var page = await testbed.Clients.RunAsync(Timeout, "curl", "-sS", "-i", $"{url}/");
        Assert.That(page.EnsureSuccess("curl /").StandardOutput, Does.StartWith("HTTP/1.1 200 OK").And.Contain("served through the adapter"));
        var missing = await testbed.Clients.RunAsync(Timeout, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", $"{url}/nope.html");
        Assert.That(missing.StandardOutput, Is.EqualTo("404"));
        var range = await testbed.Clients.RunAsync(Timeout, "curl", "-sS", "-r", "100-199", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", $"{url}/small.bin");
        Assert.That(range.StandardOutput, Is.EqualTo("206 100"));
        foreach (var name in new[] { "small.bin", "big.bin" })
        {
            var sum = await testbed.Clients.RunAsync(Timeout, "sh", "-c", $"curl -sS --fail {url}/{name} | sha256sum");
            Assert.That(sum.EnsureSuccess($"curl {name}").StandardOutput.Split(' ')[0], Is.EqualTo(site.Hashes[name]), name);
        }

        var wrk = await testbed.Clients.RunAsync(Timeout, "wrk", "-t2", "-c32", "-d3s", $"{url}/small.bin");
        var report = wrk.EnsureSuccess("wrk").StandardOutput;
        TestContext.Progress.WriteLine(report);
        Assert.That(report, Does.Not.Contain("Socket errors").And.Not.Contain("Non-2xx"));
        Assert.That(RequestsPerSecond(report), Is.GreaterThan(100), "wrk should complete requests through the adapter");
    }

    [Test]
    public async Task Killing_a_host_mid_transfer_resets_its_client_within_2_s_while_the_other_host_serves()
    {
        Shell.RequireRootAndTools("curl");
        using var site = new SiteFiles(("big.bin", 64 << 20));
        await using var testbed = await AcceleratedTestbed.StartAsync();
        var first = await testbed.StartStaticHostAsync("web-1", site.Root);
        var second = await testbed.StartStaticHostAsync("web-2", site.Root);
        var url = $"http://{testbed.ServiceAddress}/big.bin";

        // A slow reader (about 1.6 MB/s, small receive buffer) keeps the download mid-transfer on whichever host
        // round robin picked; with little buffered in its kernel it notices the reset as soon as it arrives.
        using var client = await testbed.Clients.ConnectAsync(testbed.Service(AcceleratedTestbed.HttpPort));
        client.ReceiveBufferSize = 32 * 1024;
        await client.SendAsync(Encoding.ASCII.GetBytes($"GET /big.bin HTTP/1.1\r\nHost: {testbed.ServiceAddress}\r\n\r\n"), SocketFlags.None);
        var killedAt = new Stopwatch();
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[16 * 1024];
            long total = 0;
            while (true)
            {
                try
                {
                    var n = await client.ReceiveAsync(buffer, SocketFlags.None);
                    if (n == 0)
                    {
                        return ("end of stream", total);
                    }

                    total += n;
                }
                catch (SocketException e)
                {
                    return (e.SocketErrorCode.ToString(), total);
                }

                await Task.Delay(10);
            }
        });
        var connections = "";
        await Eventually.HoldsAsync(() => (connections = testbed.AdminAsync("connections").Result).Contains("1 connection(s)", StringComparison.Ordinal),
            Timeout, () => connections);
        var victim = connections.Contains("web-1", StringComparison.Ordinal) ? first : second;
        var survivor = ReferenceEquals(victim, first) ? "web-2" : "web-1";
        await Task.Delay(500);

        killedAt.Start();
        victim.Kill();
        var (ending, received) = await reader.WaitAsync(Timeout);
        var resetAfter = killedAt.Elapsed;
        TestContext.Progress.WriteLine($"the client saw {ending} {resetAfter.TotalMilliseconds:F0} ms after the kill, having read {received} bytes");
        Assert.That(ending, Is.EqualTo(nameof(SocketError.ConnectionReset)), "the client must see a reset, not a complete download");
        Assert.That(received, Is.LessThan(64L << 20));
        Assert.That(resetAfter, Is.LessThan(TimeSpan.FromSeconds(2)));

        var again = await testbed.Clients.RunAsync(Timeout, "sh", "-c", $"curl -sS --fail {url} | sha256sum");
        Assert.That(again.EnsureSuccess("curl after the kill").StandardOutput.Split(' ')[0], Is.EqualTo(site.Hashes["big.bin"]));
        Assert.That(await testbed.AdminAsync("hosts"), Does.Contain(survivor).And.Contain("1 host link(s)"));
    }

    [Test]
    public async Task A_host_relinks_after_the_adapter_restarts_and_serves_again()
    {
        Shell.RequireRootAndTools("curl");
        using var site = new SiteFiles(("file.bin", 1 << 20));
        await using var testbed = await AcceleratedTestbed.StartAsync();
        var host = await testbed.StartStaticHostAsync("web-1", site.Root);
        var url = $"http://{testbed.ServiceAddress}/file.bin";
        var before = await testbed.Clients.RunAsync(Timeout, "sh", "-c", $"curl -sS --fail {url} | sha256sum");
        Assert.That(before.EnsureSuccess("curl before").StandardOutput, Does.StartWith(site.Hashes["file.bin"]));

        await testbed.RestartAdapterAsync();
        await host.WaitForLineAsync("link to adapter .* lost", Timeout);
        await testbed.Adapter.WaitForLineAsync("web-1 .* authenticated and registered port 80", Timeout);
        var after = await testbed.Clients.RunAsync(Timeout, "sh", "-c", $"curl -sS --fail {url} | sha256sum");
        Assert.That(after.EnsureSuccess("curl after the restart").StandardOutput, Does.StartWith(site.Hashes["file.bin"]));
        Assert.That(host.HasExited, Is.False);
    }

    private static double RequestsPerSecond(string wrkReport)
    {
        var line = wrkReport.Split('\n').FirstOrDefault(l => l.StartsWith("Requests/sec:", StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, wrkReport);
        return double.Parse(line!["Requests/sec:".Length..].Trim(), CultureInfo.InvariantCulture);
    }
}
