using RdmaOffload.NetStack.Api;
using RdmaOffload.NetStack.InteropTests.Infrastructure;
using RdmaOffload.NetStack.InteropTests.Servers;
using RdmaOffload.NetStack.Tap;
using RdmaOffload.Testing;

namespace RdmaOffload.NetStack.InteropTests;

/// <summary>
/// Downloads and uploads against Linux TCP over impaired links: loss, duplication, delay and reordering, injected by
/// the host (both directions) and — where the kernel has it — by tc netem on the client. SHA-256 verified every time.
/// </summary>
[NonParallelizable]
public sealed class ImpairedLinkTests
{
    private const ushort PipePort = 8080;
    private const ushort LazyPort = 8081;

    private static async Task<NamespaceLab> StartAsync(LinkFaults? faults)
    {
        Shell.RequireRootAndTools("ip", "curl", "tc", "sha256sum", "bash");
        var lab = new NamespaceLab(faults: faults);
        try
        {
            var responder = new PipeHttpResponder(await TcpPipeListener.StartAsync(lab.Host, PipePort));
            responder.Start();
            await lab.Host.InvokeAsync(() => lab.Host.Stack.Listen(LazyPort, new LazyHttpResponder()));
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    private static async Task AssertDownloadAsync(NamespaceLab lab, ushort port, long length)
    {
        var url = $"http://{lab.StackAddress}:{port}/bytes/{length}";
        var result = await lab.InNamespaceAsync(TimeSpan.FromSeconds(200), "bash", "-c", $"set -o pipefail; curl -sS --fail --max-time 180 {url} | sha256sum");
        result.EnsureSuccess($"curl {url}");
        Assert.That(result.StandardOutput.Split(' ')[0], Is.EqualTo(GeneratedContent.Sha256(length)), url);
    }

    private static async Task AssertUploadAsync(NamespaceLab lab, int length)
    {
        var file = $"/tmp/{lab.Namespace}-upload";
        var result = await lab.InNamespaceAsync(TimeSpan.FromSeconds(200), "bash", "-c",
            $"head -c {length} /dev/urandom > {file} && sha256sum {file} | cut -d' ' -f1 && " +
            $"curl -sS --fail --max-time 180 -H 'Expect:' --data-binary @{file} http://{lab.StackAddress}:{PipePort}/upload; rc=$?; rm -f {file}; exit $rc");
        result.EnsureSuccess("curl upload");
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[^1].Trim(), Is.EqualTo(lines[0].Trim()), "uploaded bytes hash");
    }

    [TestCase(0.01, 1)]
    [TestCase(0.05, 2)]
    public async Task Loss_both_directions(double loss, int seed)
    {
        using var lab = await StartAsync(new LinkFaults(seed) { LossRate = loss });
        await AssertDownloadAsync(lab, LazyPort, 5_000_000);
        await AssertDownloadAsync(lab, PipePort, 2_000_000);
        await AssertUploadAsync(lab, 2_000_000);
    }

    [Test]
    public async Task Delay_reordering_and_duplication()
    {
        using var lab = await StartAsync(new LinkFaults(3) { Delay = 5_000, ReorderRate = 0.05, ReorderDelay = 3_000, DuplicateRate = 0.02, LossRate = 0.01 });
        await AssertDownloadAsync(lab, LazyPort, 5_000_000);
        await AssertUploadAsync(lab, 2_000_000);
    }

    [TestCase("loss", "1%")]
    [TestCase("loss", "5%")]
    [TestCase("delay", "20ms", "5ms", "reorder", "10%")]
    public async Task Netem_on_the_client(params string[] netem)
    {
        using var lab = await StartAsync(faults: null);
        lab.ApplyNetem(netem);
        await AssertDownloadAsync(lab, LazyPort, 5_000_000);
        await AssertUploadAsync(lab, 2_000_000);
    }
}
