using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using RdmaOffload.HostAgent;
using RdmaOffload.Testing;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.Providers;

namespace RdmaOffload.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One accelerated deployment made by a test: a client network namespace; the adapter service process with its TAP
/// inside that namespace (adapter 10.77.N.1, clients 10.77.N.2) and its fabric side on 127.3.N.1 (managed-roce;
/// see <see cref="FabricUnderTest"/> for ibverbs); hosts linked to it from 127.3.N.10+ (in this process or as sample
/// processes). Everything is removed on dispose.
/// </summary>
internal sealed class AcceleratedTestbed : IAsyncDisposable
{
    public const ushort HttpPort = 80;
    public const ushort TransferPort = 9000;
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private static int s_worlds;
    private readonly List<IFabricProvider> _providers = [];
    private readonly List<IConnectionManager> _managers = [];
    private readonly List<AcceleratedListener> _hosts = [];
    private readonly List<ServiceProcess> _processes = [];
    private readonly string _directory;
    private string[] _adapterArguments = [];
    private int _hostCount;

    private AcceleratedTestbed(int world, NetworkNamespace clients, string directory)
    {
        World = world;
        Clients = clients;
        _directory = directory;
        SecretFile = Path.Combine(directory, "secret");
        AdminSocket = Path.Combine(directory, "admin.sock");
        File.WriteAllBytes(SecretFile, Encoding.ASCII.GetBytes("end-to-end secret, 32 bytes long"));
        File.SetUnixFileMode(SecretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public int World { get; }

    public NetworkNamespace Clients { get; }

    public ServiceProcess Adapter { get; private set; } = null!;

    public string SecretFile { get; }

    public string AdminSocket { get; }

    public IPAddress AdapterFabricAddress => FabricUnderTest.AdapterAddress(World);

    public IPEndPoint LinkEndPoint => new(AdapterFabricAddress, FabricUnderTest.LinkPort(World));

    public IPAddress ServiceAddress => new([10, 77, (byte)World, 1]);

    public IPEndPoint Service(ushort port) => new(ServiceAddress, port);

    /// <summary>Starts the adapter serving <paramref name="ports"/>; <paramref name="adapterSettings"/> are extra --Key=Value.</summary>
    public static async Task<AcceleratedTestbed> StartAsync(ushort[]? ports = null, params string[] adapterSettings)
    {
        var world = Interlocked.Increment(ref s_worlds) % 250 + 1;
        var directory = Directory.CreateTempSubdirectory("rdo-e2e-").FullName;
        var clients = new NetworkNamespace("rdoe");
        var testbed = new AcceleratedTestbed(world, clients, directory);
        try
        {
            testbed._adapterArguments = [
                "--Adapter:Identity=adapter-e2e",
                $"--Adapter:SharedSecretFile={testbed.SecretFile}",
                $"--Adapter:ServicePorts={string.Join(',', ports ?? [HttpPort, TransferPort])}",
                "--Adapter:MaxConnectionsPerHost=640",
                $"--Tap:Namespace={clients.Name}",
                $"--Tap:Address={testbed.ServiceAddress}/24",
                $"--Fabric:Provider={FabricUnderTest.Provider}",
                $"--Fabric:Address={testbed.AdapterFabricAddress}",
                $"--Adapter:LinkPort={testbed.LinkEndPoint.Port}",
                $"--Admin:Socket={testbed.AdminSocket}",
                "--Logging:LogLevel:Default=Information",
                .. FabricUnderTest.AdapterSettings,
                .. adapterSettings,
            ];
            await testbed.StartAdapterAsync();
            return testbed;
        }
        catch
        {
            await testbed.DisposeAsync();
            throw;
        }
    }

    /// <summary>Links a host in this process (managed-roce on its own loopback address).</summary>
    public async Task<AcceleratedListener> ConnectHostAsync(string identity, ushort port = TransferPort, int maxConnections = 600, byte[]? secret = null)
    {
        var host = await AcceleratedListener.ConnectAsync(CreateHostConnectionManager(), new HostAgentOptions
        {
            AdapterEndPoint = LinkEndPoint,
            SharedSecret = secret ?? File.ReadAllBytes(SecretFile),
            HostIdentity = identity,
            ServicePort = port,
            MaxConnections = maxConnections,
        }, NullLogger.Instance).WaitAsync(StartTimeout);
        _hosts.Add(host);
        return host;
    }

    /// <summary>A connection manager on a fresh host address (for hosts the test scripts itself).</summary>
    public IConnectionManager CreateHostConnectionManager()
    {
        var provider = FabricProviderFactory.Create(new FabricProviderOptions { Provider = FabricUnderTest.Provider, Address = NextHostAddress().ToString() });
        _providers.Add(provider);
        var manager = provider.CreateConnectionManager();
        _managers.Add(manager);
        return manager;
    }

    /// <summary>The command-line settings a sample host process needs to link to this adapter.</summary>
    public string[] HostSettings(string identity, ushort port) =>
    [
        $"--RdmaOffload:Adapter={LinkEndPoint}",
        $"--RdmaOffload:SharedSecretFile={SecretFile}",
        $"--RdmaOffload:HostIdentity={identity}",
        $"--RdmaOffload:ServicePort={port}",
        $"--Fabric:Provider={FabricUnderTest.Provider}",
        $"--Fabric:Address={NextHostAddress()}",
    ];

    /// <summary>Starts the static file sample as a host process serving <paramref name="root"/> on port 80, once linked.</summary>
    public async Task<ServiceProcess> StartStaticHostAsync(string identity, string root)
    {
        var host = ServiceProcess.Start(identity, Executables.StaticFileServer, [
            $"--StaticFiles:Root={root}",
            "--RdmaOffload:MaxRelinkDelay=00:00:00.500",
            .. HostSettings(identity, HttpPort)]);
        _processes.Add(host);
        await host.WaitForLineAsync("serving .* through adapter", StartTimeout);
        return host;
    }

    /// <summary>Starts the ASP.NET Core sample on the RdmaOffload Kestrel transport as a host process serving port 80, once linked.</summary>
    public async Task<ServiceProcess> StartAspNetCoreHostAsync(string identity)
    {
        var host = ServiceProcess.Start(identity, Executables.AspNetCoreApp, [$"--urls=http://0.0.0.0:{HttpPort}", .. HostSettings(identity, HttpPort)]);
        _processes.Add(host);
        await Adapter.WaitForLineAsync($"Host {identity} at .* registered port {HttpPort}", StartTimeout);
        return host;
    }

    /// <summary>Stops the adapter process (SIGTERM) and starts a new one with the same settings, as an operator's restart.</summary>
    public async Task RestartAdapterAsync()
    {
        await Adapter.DisposeAsync();
        await StartAdapterAsync();
    }

    /// <summary>Runs an admin command against the adapter (through its own command-line client).</summary>
    public async Task<string> AdminAsync(string command)
    {
        var result = await Shell.RunAsync("dotnet", [Executables.Adapter, "admin", command, "--socket", AdminSocket], TimeSpan.FromSeconds(30));
        return result.EnsureSuccess($"admin {command}").StandardOutput;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        if (Adapter is not null)
        {
            await Adapter.DisposeAsync();
        }

        foreach (var manager in _managers)
        {
            manager.Dispose();
        }

        foreach (var provider in _providers)
        {
            provider.Dispose();
        }

        Clients.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Starts the adapter process; once its TAP is up in the client namespace, that side gets the client address.</summary>
    private async Task StartAdapterAsync()
    {
        Adapter = ServiceProcess.Start("adapter", Executables.Adapter, _adapterArguments);
        await Adapter.WaitForLineAsync("Adapter ready", StartTimeout);
        Clients.Run("ip", "addr", "replace", $"10.77.{World}.2/24", "dev", "rdo0").EnsureSuccess("client address");
    }

    private IPAddress NextHostAddress() => FabricUnderTest.HostAddress(World, Interlocked.Increment(ref _hostCount));
}
