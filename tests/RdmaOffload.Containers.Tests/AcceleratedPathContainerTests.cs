using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Networks;

namespace RdmaOffload.Containers.Tests;

/// <summary>
/// The accelerated path across three containers on one podman network: curl in a client container fetches from
/// NetStack's address inside the adapter container (NET_ADMIN, /dev/net/tun; the kernel forwards eth0 ⇄ TAP), and
/// the bytes come from the static file host container over managed-roce (RoCEv2 over UDP between container IPs).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class AcceleratedPathContainerTests
{
    private const string ServiceAddress = "10.99.0.1";
    private const string AdapterAlias = "adapter";
    private const string PageMarker = "Hello from a container behind the RdmaOffload adapter";
    private const int BlobSize = 32 << 20;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    [OneTimeSetUp]
    public void ConfigureEnvironment() => PodmanEngine.ConfigureTestcontainers();

    [Test]
    [CancelAfter(600_000)]
    public async Task Curl_in_a_client_container_is_reset_with_no_host_then_gets_the_page_and_32_MiB_intact_through_the_adapter_container(CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var log = TestContext.Out;
        await PodmanEngine.EnsureReadyAsync(cancellationToken);
        var nodeImage = await NodeImage.EnsureAsync(log, cancellationToken);

        using var site = new SiteDirectory(PageMarker, BlobSize);
        var secret = Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        var run = Guid.NewGuid().ToString("N")[..8];
        var resources = new Stack<IAsyncDisposable>();
        var containers = new List<(string Role, IContainer Container)>();
        try
        {
            var network = new NetworkBuilder().WithName($"rdo-net-{run}").WithCleanUp(true).Build();
            resources.Push(network);
            await network.CreateAsync(cancellationToken);

            var adapter = Adapter(nodeImage, network, run, secret);
            resources.Push(adapter);
            containers.Add(("adapter", adapter));
            await adapter.StartAsync(cancellationToken);

            var client = Client(network, run);
            resources.Push(client);
            containers.Add(("client", client));
            await client.StartAsync(cancellationToken);
            var route = await client.ExecAsync(["sh", "-c",
                $"gw=$(getent ahostsv4 {AdapterAlias} | awk '{{ print $1; exit }}') && ip route add 10.99.0.0/24 via \"$gw\" && echo \"$gw\""],
                cancellationToken);
            Assert.That(route.ExitCode, Is.Zero, $"route to the adapter's TAP subnet in the client: {route.Stderr}");

            // With no host linked, NetStack in the adapter completes the handshake and the adapter resets the
            // connection as soon as it finds no host for it (curl: 56, reset while waiting for the response).
            var refused = await client.ExecAsync(["curl", "-sS", "--max-time", "20", $"http://{ServiceAddress}/"], cancellationToken);
            Assert.That(refused.ExitCode, Is.EqualTo(56), $"curl before any host linked should be reset: {refused.Stderr} {refused.Stdout}");
            Assert.That(refused.Stderr, Does.Contain("Connection reset by peer"));
            await WaitForLogAsync(adapter, "No host can take a connection", TimeSpan.FromSeconds(5), cancellationToken);

            var host = Host(nodeImage, network, run, secret, site);
            resources.Push(host);
            containers.Add(("host", host));
            await host.StartAsync(cancellationToken);
            await WaitForLogAsync(adapter, "authenticated and registered port 80", TimeSpan.FromSeconds(30), cancellationToken);
            log.WriteLine($"containers up after {total.Elapsed.TotalSeconds:F1} s; client routes 10.99.0.0/24 via {route.Stdout.Trim()}");

            var page = await client.ExecAsync(["curl", "-sS", "-i", "--max-time", "30", $"http://{ServiceAddress}/"], cancellationToken);
            Assert.That(page.ExitCode, Is.Zero, $"curl of the page: {page.Stderr}");
            Assert.That(page.Stdout, Does.StartWith("HTTP/1.1 200 OK\r\n"));
            Assert.That(page.Stdout, Does.Contain("Content-Type: text/html"));
            Assert.That(page.Stdout, Does.EndWith("\r\n\r\n" + site.Page));

            var blob = await client.ExecAsync(["sh", "-c",
                $"curl -sS --max-time 240 -o /tmp/blob.bin -w '%{{http_code}} %{{size_download}} %{{time_total}}\\n' http://{ServiceAddress}/blob.bin && sha256sum /tmp/blob.bin"],
                cancellationToken);
            Assert.That(blob.ExitCode, Is.Zero, $"curl of the 32 MiB file: {blob.Stderr} {blob.Stdout}");
            var lines = blob.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Length.EqualTo(2), blob.Stdout);
            var (status, seconds) = (lines[0][..lines[0].LastIndexOf(' ')], double.Parse(lines[0][(lines[0].LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
            Assert.That(status, Is.EqualTo($"200 {BlobSize}"), "status and bytes received");
            Assert.That(lines[1].Split(' ')[0], Is.EqualTo(site.BlobSha256), "SHA-256 of what the client received vs. the host's file");
            log.WriteLine($"32 MiB through the adapter container in {seconds:F2} s by curl's clock ({BlobSize / 1e6 / seconds:F1} MB/s)");

            // The bytes came through the adapter from host web-1, not some other path.
            var (adapterOut, _) = await adapter.GetLogsAsync(ct: cancellationToken);
            var served = FinishedConnection().Matches(adapterOut).Select(m => long.Parse(m.Groups["out"].Value, CultureInfo.InvariantCulture));
            Assert.That(served, Has.Some.GreaterThanOrEqualTo(BlobSize), "an adapter connection on host web-1 carried the 32 MiB to the client");
        }
        finally
        {
            await WriteLogsAsync(containers, log);
            while (resources.Count > 0)
            {
                await resources.Pop().DisposeAsync();
            }

            foreach (var role in (string[])["client", "host", "adapter"])
            {
                await PodmanEngine.RemoveAsync("containers", $"rdo-{role}-{run}");
            }

            await PodmanEngine.RemoveAsync("networks", $"rdo-net-{run}");

            log.WriteLine($"total {total.Elapsed.TotalSeconds:F1} s");
        }
    }

    private static IContainer Adapter(string image, INetwork network, string run, byte[] secret) =>
        new ContainerBuilder(image)
            .WithImagePullPolicy(_ => false)
            .WithName($"rdo-adapter-{run}")
            .WithNetwork(network)
            .WithNetworkAliases(AdapterAlias)
            .WithEntrypoint("/opt/rdmaoffload/adapter-entry.sh")
            .WithResourceMapping(secret, "/etc/rdmaoffload/secret", 0, 0, UnixFileModes.UserRead | UnixFileModes.UserWrite)
            .WithCreateParameterModifier(parameters =>
            {
                parameters.HostConfig ??= new HostConfig();
                parameters.HostConfig.CapAdd = ["NET_ADMIN"];
                parameters.HostConfig.Devices = [new DeviceMapping { PathOnHost = "/dev/net/tun", PathInContainer = "/dev/net/tun", CgroupPermissions = "rwm" }];
                // Clients' packets arrive on eth0 and leave on the TAP (and back).
                parameters.HostConfig.Sysctls = new Dictionary<string, string> { ["net.ipv4.ip_forward"] = "1" };
            })
            .WithWaitStrategy(Wait.ForUnixContainer()
                .UntilMessageIsLogged("Adapter ready", o => o.WithTimeout(StartTimeout))
                .UntilMessageIsLogged("entry: TAP rdo0 kernel side", o => o.WithTimeout(StartTimeout)))
            .WithCleanUp(true)
            .Build();

    private static IContainer Host(string image, INetwork network, string run, byte[] secret, SiteDirectory site) =>
        new ContainerBuilder(image)
            .WithImagePullPolicy(_ => false)
            .WithName($"rdo-host-{run}")
            .WithNetwork(network)
            .WithEnvironment("ADAPTER_ALIAS", AdapterAlias)
            .WithEntrypoint("/opt/rdmaoffload/host-entry.sh")
            .WithResourceMapping(secret, "/etc/rdmaoffload/secret", 0, 0, UnixFileModes.UserRead | UnixFileModes.UserWrite)
            .WithResourceMapping(new DirectoryInfo(site.Root), "/srv/www/")
            .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("serving .* through adapter", o => o.WithTimeout(StartTimeout)))
            .WithCleanUp(true)
            .Build();

    /// <summary>An ordinary Linux client: curl on the kernel's TCP, NET_ADMIN only to add the route to the TAP subnet.</summary>
    private static IContainer Client(INetwork network, string run) =>
        new ContainerBuilder(PodmanEngine.BaseImage)
            .WithImagePullPolicy(_ => false)
            .WithName($"rdo-client-{run}")
            .WithNetwork(network)
            .WithEntrypoint("sleep", "infinity")
            .WithCreateParameterModifier(parameters => (parameters.HostConfig ??= new HostConfig()).CapAdd = ["NET_ADMIN"])
            .WithCleanUp(true)
            .Build();

    private static async Task WaitForLogAsync(IContainer container, string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var (stdout, stderr) = await container.GetLogsAsync(ct: cancellationToken);
            if (stdout.Contains(text, StringComparison.Ordinal) || stderr.Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            if (deadline.Elapsed > timeout)
            {
                Assert.Fail($"'{text}' not logged by {container.Name} within {timeout.TotalSeconds} s");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private static async Task WriteLogsAsync(List<(string Role, IContainer Container)> containers, TextWriter log)
    {
        foreach (var (role, container) in containers)
        {
            try
            {
                var (stdout, stderr) = await container.GetLogsAsync();
                log.WriteLine($"----- {role} container log -----");
                log.WriteLine(stdout.Length > 6000 ? stdout[^6000..] : stdout);
                log.WriteLine(stderr.Length > 6000 ? stderr[^6000..] : stderr);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                log.WriteLine($"----- {role} container log unavailable: {e.Message}");
            }
        }
    }

    [GeneratedRegex(@"on host web-1 finished: \d+ bytes in, (?<out>\d+) bytes out")]
    private static partial Regex FinishedConnection();
}
