using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RdmaOffload.HostAgent;
using RdmaOffload.Protocol.Auth;
using RdmaOffload.Samples.StaticFileServer.Http;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.Providers;

namespace RdmaOffload.Samples.StaticFileServer.Serving;

/// <summary>Starts the configured listeners (adapter, kernel TCP or both) and stops them with the host.</summary>
internal sealed class StaticFileService(IOptions<StaticFileServerOptions> options, ILoggerFactory loggers) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _running = [];
    private TcpFileServer? _tcp;
    private IFabricProvider? _provider;

    /// <summary>The kernel-socket server, once started (tests read its bound port).</summary>
    public TcpFileServer? Tcp => _tcp;

    public AcceleratedFileServer? Accelerated { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var config = options.Value;
        var files = new FileResolver(config.StaticFiles.Root);
        if (config.ServesTcp)
        {
            _tcp = TcpFileServer.Bind(IPEndPoint.Parse(config.Listen.Tcp!), files, config.Http, loggers.CreateLogger("StaticFileServer.Tcp"));
            _running.Add(_tcp.RunAsync(_stopping.Token));
        }

        if (config.ServesAccelerated)
        {
            var rdma = config.RdmaOffload;
            _provider = FabricProviderFactory.Create(config.Fabric);
            var agent = new HostAgentOptions
            {
                AdapterEndPoint = IPEndPoint.Parse(rdma.Adapter),
                SharedSecret = SharedSecretFile.Load(rdma.SharedSecretFile),
                HostIdentity = rdma.HostIdentity,
                ServicePort = (ushort)rdma.ServicePort,
                MaxConnections = rdma.MaxConnections,
            };
            Accelerated = new AcceleratedFileServer(_provider, agent, rdma.MaxRelinkDelay, files, config.Http, loggers.CreateLogger("StaticFileServer.Accelerated"));
            _running.Add(Accelerated.RunAsync(_stopping.Token));
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _tcp?.Dispose();
        await Task.WhenAll(_running).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _tcp?.Dispose();
        _provider?.Dispose();
        _stopping.Dispose();
    }
}
