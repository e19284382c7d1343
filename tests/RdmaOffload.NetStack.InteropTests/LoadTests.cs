using System.Diagnostics;
using RdmaOffload.NetStack.Api;
using RdmaOffload.NetStack.InteropTests.Infrastructure;
using RdmaOffload.NetStack.InteropTests.Servers;
using RdmaOffload.Testing;

namespace RdmaOffload.NetStack.InteropTests;

/// <summary>Many connections and HTTP load from Linux clients; bounded in count and time.</summary>
[NonParallelizable]
public sealed class LoadTests
{
    private const ushort PipePort = 8080;

    [Test]
    public async Task Wrk_gets_only_successful_responses()
    {
        Shell.RequireRootAndTools("ip", "wrk");
        using var lab = new NamespaceLab();
        using var responder = new PipeHttpResponder(await TcpPipeListener.StartAsync(lab.Host, PipePort));
        responder.Start();
        var result = await lab.InNamespaceAsync(TimeSpan.FromSeconds(60), "wrk", "-t", "2", "-c", "64", "-d", "5s", $"http://{lab.StackAddress}:{PipePort}/");
        result.EnsureSuccess("wrk");
        TestContext.Out.WriteLine(result.StandardOutput);
        Assert.That(result.StandardOutput, Does.Not.Contain("Socket errors"));
        Assert.That(result.StandardOutput, Does.Not.Contain("Non-2xx"));
        var requests = long.Parse(result.StandardOutput.Split('\n').First(l => l.Contains("requests in", StringComparison.Ordinal)).Trim().Split(' ')[0],
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(requests, Is.GreaterThan(1000));
        Assert.That(responder.RequestsServed, Is.GreaterThanOrEqualTo((int)requests));
    }

    [Test]
    public async Task Ten_thousand_concurrent_connections_are_held_and_served()
    {
        Shell.RequireRootAndTools("ip", "python3");
        const int Count = 10_000;
        using var lab = new NamespaceLab(configure: o =>
        {
            o.Tcp.InitialReceiveCredit = 16 * 1024;
            o.Tcp.SynBacklog = 4096;
        });

        // The namespace's default port range (28k ports) and the client's file limit both allow 10,000.
        using var responder = new PipeHttpResponder(await TcpPipeListener.StartAsync(lab.Host, PipePort));
        responder.Start();
        var script = Path.Combine(AppContext.BaseDirectory, "Scripts", "hold_connections.py");
        var watch = Stopwatch.StartNew();
        var result = await lab.InNamespaceAsync(TimeSpan.FromSeconds(240), "python3", script, lab.StackAddress.ToString(), $"{PipePort}", $"{Count}", "200");
        TestContext.Out.WriteLine($"{result.StandardOutput} {result.StandardError} in {watch.Elapsed}");
        result.EnsureSuccess("hold_connections.py");
        Assert.That(result.StandardOutput, Does.Contain($"opened={Count} served={Count}"));
        Assert.That(responder.RequestsServed, Is.EqualTo(Count));
        Assert.That(lab.Host.Failure, Is.Null);
    }
}
