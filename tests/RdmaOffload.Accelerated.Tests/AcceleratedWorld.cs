using System.Net;
using System.Text;
using RdmaOffload.HostAgent;
using RdmaOffload.TargetAdapter;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.ManagedRoce;

namespace RdmaOffload.Accelerated.Tests;

/// <summary>
/// One adapter (NetStack on an in-memory link, managed-roce device on 127.0.0.1) and hosts linked to it over
/// managed-roce devices on other loopback addresses; the test plays the client on the in-memory link.
/// </summary>
internal sealed class AcceleratedWorld : IAsyncDisposable
{
    public const ushort ServicePort = 80;
    public static readonly byte[] Secret = Encoding.ASCII.GetBytes("a shared secret of 32 bytes.....");
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // managed-roce finds a peer's UDP port by its GID being unique among the process's open devices, and a
    // previous test's devices may still be closing in the background: every world uses fresh loopback addresses.
    private static int s_lastAddress;

    private readonly List<IFabricProvider> _providers = [];
    private readonly List<IConnectionManager> _managers = [];
    private readonly List<AcceleratedListener> _hosts = [];

    private AcceleratedWorld(InMemoryLink link) => Link = link;

    public InMemoryLink Link { get; }

    public AcceleratedConnectionProcessor Adapter { get; private set; } = null!;

    public static async Task<AcceleratedWorld> StartAsync(TargetAdapterOptions? options = null)
    {
        options ??= new TargetAdapterOptions { AdapterIdentity = "adapter-1", SharedSecret = Secret, ServicePorts = [ServicePort] };
        var world = new AcceleratedWorld(new InMemoryLink(options.WriteStagingSize));
        var address = FreshAddress();
        var manager = world.Manager(address);
        world.Adapter = await AcceleratedConnectionProcessor.StartAsync(world.Link, manager, new IPEndPoint(address, 0), options, new ProgressLogger("adapter"));
        TestContext.Progress.WriteLine($"adapter listening for links on {world.Adapter.LinkEndPoint}");
        return world;
    }

    /// <summary>Links a host, identity host-<paramref name="hostNumber"/>, from a loopback address of its own.</summary>
    public async Task<AcceleratedListener> ConnectHostAsync(
        int hostNumber, byte[]? secret = null, int maxConnections = 128, int sendBufferCount = 128, HostAgent.Memory.RegisteredMemoryPoolOptions? memoryPool = null)
    {
        var manager = Manager(FreshAddress());
        var host = await AcceleratedListener.ConnectAsync(manager, new HostAgentOptions
        {
            AdapterEndPoint = Adapter.LinkEndPoint,
            SharedSecret = secret ?? Secret,
            HostIdentity = $"host-{hostNumber}",
            ServicePort = ServicePort,
            MaxConnections = maxConnections,
            SendBufferCount = sendBufferCount,
            MemoryPool = memoryPool ?? new(),
        }, new ProgressLogger($"host-{hostNumber}")).WaitAsync(Timeout);
        _hosts.Add(host);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await Adapter.DisposeAsync();
        Link.Dispose();
        foreach (var manager in _managers)
        {
            manager.Dispose();
        }

        foreach (var provider in _providers)
        {
            provider.Dispose();
        }
    }

    private static IPAddress FreshAddress()
    {
        var n = Interlocked.Increment(ref s_lastAddress);
        return new IPAddress([127, 1, (byte)(n / 250), (byte)((n % 250) + 1)]);
    }

    private IConnectionManager Manager(IPAddress address)
    {
        var provider = new ManagedRoceProvider(new ManagedRoceOptions
        {
            Devices = [new ManagedRoceDeviceOptions { Name = $"mroce-{address}", BindAddress = address, Port = 0 }],
        });
        _providers.Add(provider);
        var manager = provider.CreateConnectionManager();
        _managers.Add(manager);
        return manager;
    }
}
