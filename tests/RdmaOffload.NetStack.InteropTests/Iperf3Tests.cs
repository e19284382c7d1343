using System.Text.Json.Nodes;
using RdmaOffload.NetStack.Api;
using RdmaOffload.NetStack.InteropTests.Infrastructure;
using RdmaOffload.NetStack.InteropTests.Servers;
using RdmaOffload.Testing;

namespace RdmaOffload.NetStack.InteropTests;

/// <summary>The real iperf3 client against the iperf3 protocol served by NetStack, both directions.</summary>
[NonParallelizable]
public sealed class Iperf3Tests
{
    [TestCase(false, 1)]
    [TestCase(true, 1)]
    [TestCase(false, 4)]
    public async Task Iperf3_client_completes(bool reverse, int parallel)
    {
        Shell.RequireRootAndTools("ip", "iperf3");
        using var lab = new NamespaceLab();
        using var server = new Iperf3Server(await TcpPipeListener.StartAsync(lab.Host, 5201));
        server.Start();
        string[] command = ["iperf3", "-c", lab.StackAddress.ToString(), "-t", "3", "-P", $"{parallel}", "-J", .. reverse ? new[] { "-R" } : []];
        Shell.Result result;
        try
        {
            result = await lab.InNamespaceAsync(TimeSpan.FromSeconds(60), command);
        }
        catch (TimeoutException)
        {
            var state = await lab.Host.InvokeAsync(() => lab.Host.Stack.DescribeConnections());
            await TestContext.Progress.WriteLineAsync($"server failure: {server.Failure}; stream output failures: {server.StreamOutputFailures}");
            await TestContext.Progress.WriteLineAsync($"stack at timeout (now {NetStack.Tap.NetStackHost.Now}): {state.Replace(";", "\n", StringComparison.Ordinal)}");
            throw;
        }

        TestContext.Out.WriteLine(result.StandardOutput.Length > 4000 ? result.StandardOutput[^4000..] : result.StandardOutput);
        result.EnsureSuccess("iperf3");
        await server.TestEnded.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(server.Failure, Is.Null);
        var end = JsonNode.Parse(result.StandardOutput)!["end"]!;
        var received = end["sum_received"]!["bytes"]!.GetValue<long>();
        var sent = end["sum_sent"]!["bytes"]!.GetValue<long>();
        var bitsPerSecond = end["sum_received"]!["bits_per_second"]!.GetValue<double>();
        await TestContext.Progress.WriteLineAsync($"iperf3 reverse={reverse} P={parallel}: {bitsPerSecond / 8e6:F0} MB/s, sent {sent}, received {received}");
        Assert.That(received, Is.GreaterThan(10_000_000));
        Assert.That(server.TestsCompleted, Is.EqualTo(1));
        if (!reverse)
        {
            Assert.That(server.DataBytes, Is.EqualTo(sent), "the stack delivered every byte the client sent");
        }
        else
        {
            Assert.That(received, Is.LessThanOrEqualTo(server.DataBytes));
        }
    }
}
