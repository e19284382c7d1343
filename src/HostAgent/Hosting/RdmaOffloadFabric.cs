using Microsoft.Extensions.Options;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.Providers;

namespace RdmaOffload.HostAgent.Hosting;

/// <summary>The application's fabric provider and connection manager, created on first use from the options.</summary>
internal sealed class RdmaOffloadFabric(IOptions<RdmaOffloadHostOptions> options) : IDisposable
{
    private readonly Lock _gate = new();
    private IFabricProvider? _provider;
    private IConnectionManager? _manager;
    private bool _disposed;

    public IConnectionManager ConnectionManager
    {
        get
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_manager is null)
                {
                    _provider = FabricProviderFactory.Create(options.Value.Fabric);
                    _manager = _provider.CreateConnectionManager();
                }

                return _manager;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _manager?.Dispose();
        _provider?.Dispose();
    }
}
