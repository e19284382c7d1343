using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RdmaOffload.NetStack;
using RdmaOffload.NetStack.Tap;
using RdmaOffload.NetStack.Wire;
using RdmaOffload.Protocol.Auth;
using RdmaOffload.TargetAdapter.Admin;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.Providers;

namespace RdmaOffload.TargetAdapter.Service;

/// <summary>
/// The adapter as a service: the client-facing TAP port with NetStack on it, the fabric provider, the accelerated
/// connection processor where hosts link, and the admin endpoint. Started and stopped by the generic host.
/// </summary>
internal sealed class TargetAdapterService(
    IOptions<AdapterServiceOptions> adapterOptions,
    IOptions<TapPortOptions> tapOptions,
    IOptions<AdminOptions> adminOptions,
    IOptions<FabricProviderOptions> fabricOptions,
    ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("RdmaOffload.TargetAdapter");
    private IFabricProvider? _provider;
    private IConnectionManager? _connectionManager;
    private TapDevice? _tap;
    private NetStackHost? _stack;
    private AcceleratedConnectionProcessor? _processor;
    private AdminServer? _admin;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var adapter = adapterOptions.Value;
        var tap = tapOptions.Value;
        var fabric = fabricOptions.Value;
        _ = AdapterOptionsValidation.TryParsePorts(adapter.ServicePorts, out var ports, out _);
        _ = AdapterOptionsValidation.TryParseAdmission(adapter.Admission, out var admission);
        _ = AdapterOptionsValidation.TryParsePrefix(tap.Address, out var address, out var prefixLength);
        var secret = SharedSecretFile.Load(adapter.SharedSecretFile);
        var options = new TargetAdapterOptions
        {
            AdapterIdentity = adapter.Identity,
            SharedSecret = secret,
            ServicePorts = ports,
            Admission = admission,
            MaxConnectionsPerHost = adapter.MaxConnectionsPerHost,
            TargetConnectionCap = adapter.TargetConnectionCap,
            NoDelay = adapter.NoDelay,
            KeepaliveInterval = adapter.KeepaliveInterval,
            KeepaliveTimeout = adapter.KeepaliveTimeout,
            LinkAckTimeout = (byte)adapter.LinkAckTimeout,
        };

        _provider = FabricProviderFactory.Create(fabric);
        _connectionManager = _provider.CreateConnectionManager();
        _tap = tap.Namespace.Length > 0
            ? TapDevice.OpenInNamespace(tap.Name, AdapterOptionsValidation.NamespacePath(tap.Namespace), tap.Mtu)
            : OpenHere(tap);
        var stackOptions = new NetworkStackOptions
        {
            Address = address,
            PrefixLength = prefixLength,
            Gateway = tap.Gateway.Length > 0 ? Ipv4Address.Read(IPAddress.Parse(tap.Gateway).GetAddressBytes()) : default,
            MacAddress = tap.Mac.Length > 0 ? MacAddress.Parse(tap.Mac) : DerivedMac(address),
            Mtu = tap.Mtu,
        };
        // Client bytes wait in the per-connection write staging until the host has room: the window never offers more.
        stackOptions.Tcp.InitialReceiveCredit = options.WriteStagingSize;
        _stack = new NetStackHost(_tap, stackOptions);
        _stack.ErrorContained += (error, count) =>
        {
            // A bug in a connection's callbacks: never silent, and a flood stays readable (1st, 2nd, 4th, 8th, …).
            if ((count & (count - 1)) == 0)
            {
                ServiceLog.StackErrorContained(_logger, count, error);
            }
        };
        _stack.Start();
        var linkEndPoint = new IPEndPoint(fabric.ParsedAddress, adapter.LinkPort);
        _processor = await AcceleratedConnectionProcessor.StartAsync(_stack, _connectionManager, linkEndPoint, options, _logger).ConfigureAwait(false);
        if (adminOptions.Value.Socket.Length > 0)
        {
            _admin = AdminServer.Start(adminOptions.Value.Socket, new AdminCommands(_processor, _stack), _logger);
        }

        var portList = string.Join(',', ports);
        ServiceLog.Ready(_logger, _tap.Name, tap.Address, tap.Namespace.Length > 0 ? tap.Namespace : "(own)", portList,
            _processor.LinkEndPoint, fabric.Provider, adapter.Admission, adminOptions.Value.Socket);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        ServiceLog.Stopping(_logger);
        _admin?.Dispose();
        _admin = null;
        if (_processor is not null)
        {
            await _processor.DisposeAsync().ConfigureAwait(false);
            _processor = null;
        }

        Dispose();
    }

    /// <summary>Releases what a failed or finished start left open (idempotent).</summary>
    public void Dispose()
    {
        _admin?.Dispose();
        _stack?.Dispose();
        _tap?.Dispose();
        _connectionManager?.Dispose();
        _provider?.Dispose();
        (_admin, _stack, _tap, _connectionManager, _provider) = (null, null, null, null, null);
    }

    private static TapDevice OpenHere(TapPortOptions tap)
    {
        var device = TapDevice.Open(tap.Name);
        try
        {
            device.BringUp(tap.Mtu);
            return device;
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <summary>A locally administered unicast MAC carrying the IPv4 address, so several adapters never clash.</summary>
    private static MacAddress DerivedMac(Ipv4Address address)
    {
        Span<byte> bytes = stackalloc byte[6];
        bytes[0] = 0x02;
        bytes[1] = 0x52;
        address.ToIPAddress().GetAddressBytes().CopyTo(bytes[2..]);
        return MacAddress.Read(bytes);
    }
}
