using System.Net;
using System.Text;
using RdmaOffload.Accelerated.Tests;
using RdmaOffload.TargetAdapter;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.ManagedRoce;

namespace RdmaOffload.StaticFileServer.Tests.Accelerated;

/// <summary>
/// The real target adapter (NetStack on an in-memory link, managed-roce device on a fresh loopback address); the
/// test plays the client on the link and the static file server links to the adapter from its own address.
/// </summary>
internal sealed class AdapterWorld : IAsyncDisposable
{
    public const ushort ServicePort = 80;
    public static readonly byte[] Secret = Encoding.ASCII.GetBytes("a shared secret of 32 bytes.....");
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // managed-roce finds a peer's UDP port by its GID being unique among the process's open devices, and a
    // previous test's devices may still be closing in the background: every world uses fresh loopback addresses.
    private static int s_lastAddress;

    private ManagedRoceProvider? _provider;
    private IConnectionManager? _manager;

    private AdapterWorld(InMemoryLink link) => Link = link;

    public InMemoryLink Link { get; }

    public AcceleratedConnectionProcessor Adapter { get; private set; } = null!;

    /// <summary>Starts an adapter listening for links on <paramref name="linkEndPoint"/> (default: a fresh address, any port).</summary>
    public static async Task<AdapterWorld> StartAsync(IPEndPoint? linkEndPoint = null)
    {
        var options = new TargetAdapterOptions { AdapterIdentity = "adapter-1", SharedSecret = Secret, ServicePorts = [ServicePort] };
        var world = new AdapterWorld(new InMemoryLink(options.WriteStagingSize));
        var address = linkEndPoint?.Address ?? FreshAddress();
        world._provider = new ManagedRoceProvider(new ManagedRoceOptions
        {
            Devices = [new ManagedRoceDeviceOptions { Name = $"mroce-{address}", BindAddress = address, Port = 0 }],
        });
        world._manager = world._provider.CreateConnectionManager();
        world.Adapter = await AcceleratedConnectionProcessor.StartAsync(world.Link, world._manager, new IPEndPoint(address, linkEndPoint?.Port ?? 0), options, new ProgressLogger("adapter"));
        return world;
    }

    /// <summary>A fresh loopback address and a TCP port free on it (nothing listens there yet).</summary>
    public static IPEndPoint FreshUnusedEndPoint()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(FreshAddress(), 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }

    public static IPAddress FreshAddress()
    {
        var n = Interlocked.Increment(ref s_lastAddress);
        return new IPAddress([127, 3, (byte)(n / 250), (byte)((n % 250) + 1)]);
    }

    /// <summary>Sends <paramref name="request"/> from the client stack and returns every byte up to the server's FIN.</summary>
    public async Task<byte[]> ExchangeAsync(string request)
    {
        var client = new TestClient(Encoding.ASCII.GetBytes(request), finishAfterRequest: false);
        await Link.ConnectAsync(ServicePort, client);
        await client.ReceiveClosed.WaitAsync(Timeout);
        return client.Received;
    }

    public async ValueTask DisposeAsync()
    {
        await Adapter.DisposeAsync();
        Link.Dispose();
        _manager?.Dispose();
        _provider?.Dispose();
    }
}
