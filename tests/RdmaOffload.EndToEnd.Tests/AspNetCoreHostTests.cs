using System.Globalization;
using RdmaOffload.EndToEnd.Tests.Infrastructure;
using RdmaOffload.Testing;

namespace RdmaOffload.EndToEnd.Tests;

/// <summary>An unmodified ASP.NET Core app on the RdmaOffload Kestrel transport, as a host process, with curl and wrk.</summary>
[NonParallelizable]
public sealed class AspNetCoreHostTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Curl_and_wrk_reach_the_aspnetcore_app_through_the_adapter()
    {
        Shell.RequireRootAndTools("curl", "wrk");
        await using var testbed = await AcceleratedTestbed.StartAsync();
        await testbed.StartAspNetCoreHostAsync("app-1");
        var url = $"http://{testbed.ServiceAddress}";

        var page = await testbed.Clients.RunAsync(Timeout, "curl", "-sS", "-i", "--fail", $"{url}/");
        Assert.That(page.EnsureSuccess("curl /").StandardOutput, Does.StartWith("HTTP/1.1 200 OK").And.Contain("Served through RdmaOffload"));
        var health = await testbed.Clients.RunAsync(Timeout, "curl", "-sS", "--fail", $"{url}/health");
        Assert.That(health.StandardOutput.Trim(), Is.EqualTo("ok"));

        // 8 MiB up: the app hashes what arrived; the same bytes hashed here must match.
        var upload = await testbed.Clients.RunAsync(Timeout, "sh", "-c",
            $"head -c 8388608 /dev/urandom > /tmp/rdo-up-$$ && sha256sum /tmp/rdo-up-$$ | cut -d' ' -f1 && curl -sS --fail --data-binary @/tmp/rdo-up-$$ {url}/sha256; rm -f /tmp/rdo-up-$$");
        var lines = upload.EnsureSuccess("upload").StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines, Has.Length.EqualTo(2), upload.StandardOutput);
        Assert.That(lines[1], Is.EqualTo(lines[0]));

        // 16 MiB down, every byte checked against the app's documented pattern.
        var file = Path.Combine(Path.GetTempPath(), $"rdo-dl-{Guid.NewGuid():N}");
        try
        {
            var download = await testbed.Clients.RunAsync(Timeout, "curl", "-sS", "--fail", "-o", file, $"{url}/bytes/16777216");
            download.EnsureSuccess("curl /bytes");
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.That(bytes, Has.Length.EqualTo(16 << 20));
            var firstWrong = Enumerable.Range(0, bytes.Length).FirstOrDefault(i => bytes[i] != (byte)((i * 31L) + (i >> 11)), -1);
            Assert.That(firstWrong, Is.EqualTo(-1), "first byte differing from the pattern");
        }
        finally
        {
            File.Delete(file);
        }

        var wrk = await testbed.Clients.RunAsync(Timeout, "wrk", "-t2", "-c32", "-d3s", $"{url}/bytes/1024");
        var report = wrk.EnsureSuccess("wrk").StandardOutput;
        TestContext.Progress.WriteLine(report);
        Assert.That(report, Does.Not.Contain("Socket errors").And.Not.Contain("Non-2xx"));
        var line = report.Split('\n').First(l => l.StartsWith("Requests/sec:", StringComparison.Ordinal));
        Assert.That(double.Parse(line["Requests/sec:".Length..].Trim(), CultureInfo.InvariantCulture), Is.GreaterThan(100));
    }
}
