using RdmaOffload.NetStack.Api;
using RdmaOffload.NetStack.InteropTests.Infrastructure;
using RdmaOffload.NetStack.InteropTests.Servers;
using RdmaOffload.Testing;

namespace RdmaOffload.NetStack.InteropTests;

/// <summary>Linux TCP clients (curl, wget) in a namespace downloading from NetStack over a TAP; SHA-256 verified.</summary>
[NonParallelizable]
public sealed class DownloadTests
{
    private const ushort PipePort = 8080;
    private const ushort LazyPort = 8081;

    private static async Task<(NamespaceLab Lab, PipeHttpResponder Pipe)> StartAsync(int mtu = 1500)
    {
        Shell.RequireRootAndTools("ip", "curl", "wget", "sha256sum");
        var lab = new NamespaceLab(mtu);
        try
        {
            var listener = await TcpPipeListener.StartAsync(lab.Host, PipePort);
            var responder = new PipeHttpResponder(listener);
            responder.Start();
            await lab.Host.InvokeAsync(() => lab.Host.Stack.Listen(LazyPort, new LazyHttpResponder()));
            return (lab, responder);
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    private static async Task<string> CurlSha256Async(NamespaceLab lab, ushort port, long length, string tool = "curl")
    {
        var url = $"http://{lab.StackAddress}:{port}/bytes/{length}";
        var fetch = tool == "curl" ? $"curl -sS --fail --max-time 120 {url}" : $"wget -q -T 60 -O - {url}";
        var result = await lab.InNamespaceAsync(TimeSpan.FromSeconds(150), "bash", "-c", $"set -o pipefail; {fetch} | sha256sum");
        result.EnsureSuccess($"{tool} {url}");
        return result.StandardOutput.Split(' ')[0];
    }

    [TestCase(PipePort, 10_000_000, TestName = "curl downloads 10 MB through the Pipelines adapter")]
    [TestCase(LazyPort, 50_000_000, TestName = "curl downloads 50 MB served lazily through the adapter API")]
    public async Task Curl_download_matches(int port, long length)
    {
        var (lab, _) = await StartAsync();
        using (lab)
        {
            var hash = await CurlSha256Async(lab, (ushort)port, length);
            Assert.That(hash, Is.EqualTo(GeneratedContent.Sha256(length)));
            Assert.That(lab.Host.Failure, Is.Null);
        }
    }

    [Test]
    public async Task Wget_download_matches()
    {
        var (lab, _) = await StartAsync();
        using (lab)
        {
            var hash = await CurlSha256Async(lab, LazyPort, 5_000_000, "wget");
            Assert.That(hash, Is.EqualTo(GeneratedContent.Sha256(5_000_000)));
        }
    }

    [Test]
    public async Task Jumbo_mtu_download_matches()
    {
        var (lab, _) = await StartAsync(mtu: 9000);
        using (lab)
        {
            var hash = await CurlSha256Async(lab, LazyPort, 20_000_000);
            Assert.That(hash, Is.EqualTo(GeneratedContent.Sha256(20_000_000)));
        }
    }

    [Test]
    public async Task Curl_upload_is_received_intact()
    {
        var (lab, _) = await StartAsync();
        using (lab)
        {
            var result = await lab.InNamespaceAsync(TimeSpan.FromSeconds(120), "sh", "-c",
                $"head -c 8000000 /dev/urandom > /tmp/nsi-upload-{lab.Namespace}; sha256sum /tmp/nsi-upload-{lab.Namespace}; " +
                $"curl -sS --fail --max-time 100 -H 'Expect:' --data-binary @/tmp/nsi-upload-{lab.Namespace} http://{lab.StackAddress}:{PipePort}/upload; rm -f /tmp/nsi-upload-{lab.Namespace}");
            result.EnsureSuccess("curl upload");
            var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var sent = lines[0].Split(' ')[0];
            Assert.That(lines[^1].Trim(), Is.EqualTo(sent));
        }
    }

    [Test]
    public async Task Ping_is_answered()
    {
        var (lab, _) = await StartAsync();
        using (lab)
        {
            Shell.RequireRootAndTools("ping");
            lab.InNamespace("ping", "-c", "3", "-i", "0.2", "-W", "2", lab.StackAddress.ToString()).EnsureSuccess("ping");
        }
    }
}
