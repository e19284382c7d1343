using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RdmaOffload.HostAgent.Hosting;

namespace RdmaOffload.HostAgent.Kestrel;

/// <summary>
/// Kestrel's transport over the target adapter: binding an IP endpoint links this host to the adapter and
/// registers a service port (the endpoint's port, or <see cref="RdmaOffloadHostOptions.ServicePort"/> when set);
/// clients the adapter terminates on that port become Kestrel connections. Endpoints sharing a service port (for
/// example the two loopbacks of <c>localhost</c>) share one link. Each link re-links after an adapter restart.
/// </summary>
public sealed class RdmaOffloadTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly RdmaOffloadFabric _fabric;
    private readonly IOptions<RdmaOffloadHostOptions> _options;
    private readonly ILoggerFactory _loggers;
    private readonly Dictionary<ushort, SharedLink> _links = [];
    private readonly Lock _gate = new();

    internal RdmaOffloadTransportFactory(RdmaOffloadFabric fabric, IOptions<RdmaOffloadHostOptions> options, ILoggerFactory loggers)
    {
        _fabric = fabric;
        _options = options;
        _loggers = loggers;
    }

    /// <summary>IP endpoints only: the adapter serves TCP ports.</summary>
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    /// <inheritdoc />
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint ip)
        {
            throw new NotSupportedException($"The RdmaOffload transport binds IP endpoints only, not {endpoint}.");
        }

        var settings = _options.Value;
        var port = settings.ServicePort != 0 ? settings.ServicePort : ip.Port;
        if (port == 0)
        {
            throw new NotSupportedException(
                $"Endpoint {ip} asks for a dynamic port; the adapter offers fixed service ports: bind a port or set RdmaOffload:ServicePort.");
        }

        SharedLink link;
        lock (_gate)
        {
            if (!_links.TryGetValue((ushort)port, out link!))
            {
                var logger = _loggers.CreateLogger("RdmaOffload.HostAgent.Kestrel");
                var supervisor = new AcceleratedLinkSupervisor(_fabric, settings, (ushort)port, logger, static listener => listener.ErrorFactory = KestrelErrors.Create);
                link = new SharedLink(supervisor);
                _links.Add((ushort)port, link);
                supervisor.Start();
            }

            link.Users++;
        }

        return ValueTask.FromResult<IConnectionListener>(new RdmaOffloadConnectionListener(ip, link.Supervisor, settings.CloseTimeout, this));
    }

    /// <summary>The link supervisor of a service port while some endpoint is bound to it (tests, diagnostics).</summary>
    internal AcceleratedLinkSupervisor? FindLink(ushort servicePort)
    {
        lock (_gate)
        {
            return _links.TryGetValue(servicePort, out var link) ? link.Supervisor : null;
        }
    }

    internal async ValueTask ReleaseAsync(AcceleratedLinkSupervisor supervisor)
    {
        lock (_gate)
        {
            if (!_links.TryGetValue(supervisor.ServicePort, out var link) || !ReferenceEquals(link.Supervisor, supervisor) || --link.Users > 0)
            {
                return;
            }

            _links.Remove(supervisor.ServicePort);
        }

        await supervisor.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class SharedLink(AcceleratedLinkSupervisor supervisor)
    {
        public AcceleratedLinkSupervisor Supervisor { get; } = supervisor;

        public int Users { get; set; }
    }
}
