using System.Net;
using System.Text;
using RdmaOffload.Accelerated.Tests;
using RdmaOffload.TargetAdapter;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.ManagedRoce;

namespace RdmaOffload.Kestrel.Tests;

/// <summary>
/// A real target adapter: NetStack on an in-memory link (the test plays the client on it) and a managed-roce device
/// on a loopback address of its own, accepting host links.
/// </summary>
internal sealed class AdapterUnderTest : IAsyncDisposable
{
    public const ushort ServicePort = 80;
    public static readonly byte[] Secret = Encoding.ASCII.GetBytes("a shared secret of 32 bytes.....");
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // managed-roce finds a peer by its GID being unique among the process's open devices: fresh addresses per use.
    private static int s_lastAddress;

    private readonly ManagedRoceProvider _provider;
    private readonly IConnectionManager _manager;

    private AdapterUnderTest(InMemoryLink link, ManagedRoceProvider provider, IConnectionManager manager)
    {
        Link = link;
        _provider = provider;
        _manager = manager;
    }

    public InMemoryLink Link { get; }

    public AcceleratedConnectionProcessor Processor { get; private set; } = null!;

    public IPEndPoint LinkEndPoint => Processor.LinkEndPoint;

    public static IPAddress FreshAddress()
    {
        var n = Interlocked.Increment(ref s_lastAddress);
        return new IPAddress([127, 5, (byte)(n / 250), (byte)((n % 250) + 1)]);
    }

    /// <summary>Starts an adapter; pass <paramref name="linkEndPoint"/> to restart one where hosts expect it.</summary>
    public static async Task<AdapterUnderTest> StartAsync(IPEndPoint? linkEndPoint = null)
    {
        var options = new TargetAdapterOptions { AdapterIdentity = "adapter-1", SharedSecret = Secret, ServicePorts = [ServicePort] };
        var address = linkEndPoint?.Address ?? FreshAddress();
        var provider = new ManagedRoceProvider(new ManagedRoceOptions
        {
            Devices = [new ManagedRoceDeviceOptions { Name = $"mroce-{address}", BindAddress = address, Port = 0 }],
        });
        var adapter = new AdapterUnderTest(new InMemoryLink(options.WriteStagingSize), provider, provider.CreateConnectionManager());
        adapter.Processor = await AcceleratedConnectionProcessor.StartAsync(
            adapter.Link, adapter._manager, linkEndPoint ?? new IPEndPoint(address, 0), options, new ProgressLogger("adapter"));
        TestContext.Progress.WriteLine($"adapter listening for links on {adapter.LinkEndPoint}");
        return adapter;
    }

    /// <summary>Writes the secret to a mode-600 file, as an operator would provision it.</summary>
    public static string WriteSecretFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rdmaoffload-secret-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, Secret);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Processor.DisposeAsync();
        Link.Dispose();
        _manager.Dispose();
        _provider.Dispose();
    }
}
