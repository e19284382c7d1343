using System.Security.Cryptography;
using System.Text;
using RdmaOffload.Accelerated.Tests;
using RdmaOffload.HostAgent;
using RdmaOffload.NetStack.Tcp;
using RdmaOffload.Samples.StaticFileServer.Http;
using RdmaOffload.Samples.StaticFileServer.Serving;
using RdmaOffload.Verbs.Providers;

namespace RdmaOffload.StaticFileServer.Tests.Accelerated;

/// <summary>
/// The static file server behind the REAL target adapter: client TCP terminated in the adapter's NetStack, the
/// server linked over managed-roce (created by <see cref="FabricProviderFactory"/> as the program does).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AcceleratedServingTests
{
    private TestRoot _root = null!;
    private byte[] _file = [];
    private CapturingLogger _log = null!;

    [SetUp]
    public void SetUp()
    {
        _root = new TestRoot();
        _log = new CapturingLogger("files-1");
        _file = RandomNumberGenerator.GetBytes(1024 * 1024);
        _root.Write("mib.bin", _file);
    }

    [TearDown]
    public void TearDown() => _root.Dispose();

    [Test]
    public async Task Get_of_one_mebibyte_arrives_intact_through_the_adapter()
    {
        await using var world = await AdapterWorld.StartAsync();
        using var stop = new CancellationTokenSource();
        var (server, running) = await StartServerAsync(world, stop.Token);

        var response = Split(await world.ExchangeAsync("GET /mib.bin HTTP/1.1\r\nHost: files\r\nConnection: close\r\n\r\n"));
        Assert.That(response.Head, Does.StartWith("HTTP/1.1 200 OK\r\n"));
        Assert.That(response.Head, Does.Contain("Content-Length: 1048576\r\n"));
        Assert.That(response.Body, Has.Length.EqualTo(_file.Length));
        Assert.That(SHA256.HashData(response.Body), Is.EqualTo(SHA256.HashData(_file)));
        Assert.That(world.Link.Failure, Is.Null);
        Assert.That(server.Links, Is.EqualTo(1));
        var root = new FileResolver(_root.Root).Root;
        Assert.That(_log.Lines, Does.Contain($"serving {root} on service port 80 through adapter {world.Adapter.LinkEndPoint} as files-1"), "the start line scripts wait for");

        await stop.CancelAsync();
        await running.WaitAsync(AdapterWorld.Timeout);
    }

    [Test]
    public async Task Range_and_keep_alive_work_through_the_adapter()
    {
        await using var world = await AdapterWorld.StartAsync();
        using var stop = new CancellationTokenSource();
        var (_, running) = await StartServerAsync(world, stop.Token);

        var bytes = await world.ExchangeAsync(
            "GET /mib.bin HTTP/1.1\r\nHost: files\r\nRange: bytes=500000-500999\r\n\r\n" +
            "GET /hello.txt HTTP/1.1\r\nHost: files\r\nConnection: close\r\n\r\n");
        var first = Split(bytes);
        Assert.That(first.Head, Does.StartWith("HTTP/1.1 206 Partial Content\r\n"));
        Assert.That(first.Head, Does.Contain("Content-Range: bytes 500000-500999/1048576\r\n"));
        Assert.That(first.Body.AsSpan(0, 1000).ToArray(), Is.EqualTo(_file[500000..501000]));
        var second = Split(first.Body[1000..]);
        Assert.That(second.Head, Does.StartWith("HTTP/1.1 200 OK\r\n"));
        Assert.That(Encoding.ASCII.GetString(second.Body), Is.EqualTo("hello, world\n"));

        await stop.CancelAsync();
        await running.WaitAsync(AdapterWorld.Timeout);
    }

    [Test]
    public async Task Server_started_before_the_adapter_keeps_re_linking_with_backoff_until_it_appears()
    {
        var adapterEndPoint = AdapterWorld.FreshUnusedEndPoint();
        using var stop = new CancellationTokenSource();
        var (server, running) = StartServer(adapterEndPoint, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.That(server.Links, Is.Zero);
        Assert.That(running.IsCompleted, Is.False, "failed attempts do not end the server");

        await using var world = await AdapterWorld.StartAsync(adapterEndPoint);
        await server.FirstLinked.WaitAsync(AdapterWorld.Timeout);
        var response = Split(await world.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: files\r\nConnection: close\r\n\r\n"));
        Assert.That(Encoding.ASCII.GetString(response.Body), Is.EqualTo("hello, world\n"));
        Assert.That(server.Links, Is.EqualTo(1));

        await stop.CancelAsync();
        await running.WaitAsync(AdapterWorld.Timeout);
    }

    [Test]
    public async Task Client_that_stops_reading_is_reset_after_the_stall_timeout_and_the_server_serves_on()
    {
        _root.Write("large.bin", RandomNumberGenerator.GetBytes(16 * 1024 * 1024));
        await using var world = await AdapterWorld.StartAsync();
        using var stop = new CancellationTokenSource();
        var (_, running) = await StartServerAsync(world, stop.Token, new HttpLimits { ResponseStallTimeout = TimeSpan.FromMilliseconds(500) });

        var stalled = new TestClient(Encoding.ASCII.GetBytes("GET /large.bin HTTP/1.1\r\nHost: files\r\n\r\n"), finishAfterRequest: false, grantCredit: false);
        await world.Link.ConnectAsync(AdapterWorld.ServicePort, stalled);
        // The server's reset ends the connection in the adapter's correlator. (Whether the zero-window client stack
        // accepts the adapter's RST is the NetStack's business and is not asserted here.)
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await world.Adapter.GetConnectionCountAsync() > 0)
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "the stalled connection was never reset by the server");
            await Task.Delay(50);
        }

        Assert.That(stalled.Closed.IsCompleted && stalled.Closed.Result == TcpCloseReason.Graceful, Is.False, "not a graceful end");
        Assert.That(stalled.Received.Length, Is.LessThan(16 * 1024 * 1024));

        var response = Split(await world.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: files\r\nConnection: close\r\n\r\n"));
        Assert.That(Encoding.ASCII.GetString(response.Body), Is.EqualTo("hello, world\n"), "the link and the server are unaffected");

        await stop.CancelAsync();
        await running.WaitAsync(AdapterWorld.Timeout);
    }

    private async Task<(AcceleratedFileServer Server, Task Running)> StartServerAsync(AdapterWorld world, CancellationToken stopping, HttpLimits? limits = null)
    {
        var started = StartServer(world.Adapter.LinkEndPoint, stopping, limits);
        await started.Server.FirstLinked.WaitAsync(AdapterWorld.Timeout, CancellationToken.None);
        return started;
    }

    private (AcceleratedFileServer Server, Task Running) StartServer(System.Net.IPEndPoint adapterEndPoint, CancellationToken stopping, HttpLimits? limits = null)
    {
        var address = AdapterWorld.FreshAddress();
        var provider = FabricProviderFactory.Create(new FabricProviderOptions
        {
            Provider = FabricProviderOptions.ManagedRoce,
            Address = address.ToString(),
            Device = $"mroce-{address}",
            RocePort = 0,
        });
        var agent = new HostAgentOptions
        {
            AdapterEndPoint = adapterEndPoint,
            SharedSecret = AdapterWorld.Secret,
            HostIdentity = "files-1",
            ServicePort = AdapterWorld.ServicePort,
        };
        var server = new AcceleratedFileServer(provider, agent, TimeSpan.FromSeconds(1), new FileResolver(_root.Root), limits ?? new HttpLimits(), _log);
        var running = Task.Run(async () =>
        {
            try
            {
                await server.RunAsync(stopping);
            }
            finally
            {
                provider.Dispose();
            }
        }, CancellationToken.None);
        return (server, running);
    }

    private static (string Head, byte[] Body) Split(byte[] response)
    {
        var text = Encoding.Latin1.GetString(response);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.That(end, Is.GreaterThan(0), $"a response head in {response.Length} bytes");
        return (text[..(end + 4)], response[(end + 4)..]);
    }
}
